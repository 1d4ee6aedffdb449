"""Accounts through the API: administrators manage, employees opt in their own, credentials
are write-only and encrypted at rest."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.accounts.service import account_credentials
from hashtags.people.permissions import Role
from hashtags.settings import Settings
from tests.support.api import Person

URL = "/api/v1/accounts"
BRAND: dict[str, Any] = {
    "kind": "brand",
    "network": "mastodon",
    "handle": "@cafeterra@mastodon.social",
    "base_url": "https://mastodon.social/",
    "policy_id": "cafeterra-mastodon",
    "credentials": {"access_token": "very-secret-token"},
}


def test_admin_creates_a_brand_account_and_credentials_never_come_back(
    client: TestClient,
    people: dict[Role, Person],
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    admin = people[Role.ADMIN].headers
    created = client.post(URL, json=BRAND, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["has_credentials"] is True and body["base_url"] == "https://mastodon.social"
    assert "credentials" not in body and "very-secret-token" not in created.text
    listed = client.get(URL, headers=people[Role.EMPLOYEE].headers)
    assert [a["handle"] for a in listed.json()] == ["@cafeterra@mastodon.social"]
    assert "very-secret-token" not in listed.text
    with factory() as db:
        row = db.get(SocialAccount, body["id"])
        assert row is not None and row.credentials is not None
        assert "very-secret-token" not in row.credentials
        assert account_credentials(row, settings=settings) == {"access_token": "very-secret-token"}
    again = client.post(URL, json=BRAND, headers=admin)
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    patched = client.patch(f"{URL}/{body['id']}", json={"clear_credentials": True}, headers=admin)
    assert patched.json()["has_credentials"] is False
    assert client.delete(f"{URL}/{body['id']}", headers=admin).status_code == 204
    assert client.get(f"{URL}/{body['id']}", headers=admin).status_code == 404


def test_bad_input_names_the_field(client: TestClient, people: dict[Role, Person]) -> None:
    admin = people[Role.ADMIN].headers
    cases = [
        ({**BRAND, "policy_id": "nope"}, "policy_id: 'nope' is not in the policy's accounts"),
        ({**BRAND, "policy_id": None}, "policy_id: a brand account must name"),
        ({**BRAND, "network": "bluesky"}, "network: the policy's account"),
        ({**BRAND, "network": "x"}, "network:"),
        ({**BRAND, "base_url": None}, "base_url: a Mastodon account needs"),
        ({**BRAND, "base_url": "ftp://x.example"}, "base_url:"),
        ({**BRAND, "handle": "two words"}, "handle:"),
        ({**BRAND, "credentials": {"access_token": ""}}, "credentials.access_token"),
        ({**BRAND, "owner_id": 1}, "owner_id: brand accounts"),
    ]
    for body, message in cases:
        response = client.post(URL, json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["detail"], (body, response.text)


def test_employees_register_their_own_personal_accounts_only(
    client: TestClient, people: dict[Role, Person]
) -> None:
    employee = people[Role.EMPLOYEE].headers
    assert client.post(URL, json=BRAND, headers=employee).status_code == 403
    mine = client.post(
        "/api/v1/me/accounts",
        json={
            "network": "bluesky",
            "handle": "diego.bsky.social",
            "credentials": {"app_password": "p"},
        },
        headers=employee,
    )
    assert mine.status_code == 201, mine.text
    account = mine.json()
    assert account["kind"] == "personal" and account["handle"] == "@diego.bsky.social"
    assert [a["id"] for a in client.get("/api/v1/me/accounts", headers=employee).json()] == [
        account["id"]
    ]
    # A colleague neither sees nor changes it; an administrator sees it.
    pr = people[Role.PR].headers
    assert client.get(f"{URL}/{account['id']}", headers=pr).status_code == 404
    assert (
        client.patch(f"/api/v1/me/accounts/{account['id']}", json={}, headers=pr).status_code == 404
    )
    assert (
        client.get(f"{URL}/{account['id']}", headers=people[Role.ADMIN].headers).status_code == 200
    )
    rotated = client.patch(
        f"/api/v1/me/accounts/{account['id']}",
        json={"credentials": {"app_password": "new"}},
        headers=employee,
    )
    assert rotated.status_code == 200 and rotated.json()["has_credentials"] is True
    assert (
        client.delete(f"/api/v1/me/accounts/{account['id']}", headers=employee).status_code == 204
    )
