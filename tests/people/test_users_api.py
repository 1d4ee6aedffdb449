"""PATCH /api/v1/users/{id} goes through people.service.update_user, like the web app's page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hashtags.people.permissions import Role
from tests.support.api import Person


def _id(client: TestClient, admin: Person, email: str) -> int:
    users = client.get("/api/v1/users", headers=admin.headers).json()
    return int(next(u["id"] for u in users if u["email"] == email))


def test_role_language_and_deactivation_are_changed_and_audited(
    client: TestClient, people: dict[Role, Person]
) -> None:
    admin = people[Role.ADMIN]
    employee = _id(client, admin, people[Role.EMPLOYEE].email)
    changed = client.patch(
        f"/api/v1/users/{employee}",
        json={"role": "pr", "language": "en"},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["language"]) == ("pr", "en")
    events = client.get(
        "/api/v1/audit/events", params={"action": "user.update"}, headers=admin.headers
    ).json()
    assert events[0]["after"] == {"role": "pr", "active": True, "language": "en"}
    bad = client.patch(f"/api/v1/users/{employee}", json={"role": "boss"}, headers=admin.headers)
    assert bad.status_code == 422


def test_nobody_demotes_or_deactivates_themselves(
    client: TestClient, people: dict[Role, Person]
) -> None:
    admin = people[Role.ADMIN]
    me = _id(client, admin, admin.email)
    demoted = client.patch(f"/api/v1/users/{me}", json={"role": "employee"}, headers=admin.headers)
    assert demoted.status_code == 403 and "your own role" in demoted.json()["detail"]
    off = client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=admin.headers)
    assert off.status_code == 403 and "deactivate yourself" in off.json()["detail"]
