"""Sign-in, sessions with CSRF, two-factor, lockout and scoped API tokens, through the API."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.audit.service import verify
from hashtags.people.models import User
from hashtags.people.permissions import Role
from tests.support.api import PASSWORD, Person


def _enable_two_factor(client: TestClient, csrf: str) -> None:
    uri = client.post("/api/v1/me/2fa/setup", headers={"X-CSRF-Token": csrf}).json()
    code = pyotp.parse_uri(uri["provisioning_uri"]).now()
    enabled = client.post(
        "/api/v1/me/2fa/enable", json={"code": code}, headers={"X-CSRF-Token": csrf}
    )
    assert enabled.status_code == 204


def test_roles_the_policy_names_need_two_factor_before_anything_else(
    client: TestClient, people: dict[Role, Person], login: Callable[[str], str]
) -> None:
    csrf = login("compliance@cafeterra.es")  # the demo policy lists compliance
    refused = client.get("/api/v1/users")
    assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]
    assert client.get("/api/v1/me").status_code == 200  # seeing oneself and setting it up work
    _enable_two_factor(client, csrf)
    assert client.get("/api/v1/users").status_code == 200
    # A role the policy does not list signs in with a password alone.
    client.cookies.clear()
    login("employee@cafeterra.es")
    assert client.get("/api/v1/posts").status_code == 200


def test_login_sets_a_session_and_writes_need_csrf(
    client: TestClient, people: dict[Role, Person], login: Callable[[str], str]
) -> None:
    csrf = login("admin@cafeterra.es")
    assert client.get("/api/v1/me").json()["email"] == "admin@cafeterra.es"
    _enable_two_factor(client, csrf)  # the policy asks it of administrators
    body = {"email": "new@cafeterra.es", "name": "New", "role": "employee", "password": PASSWORD}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    created = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_and_lockout(client: TestClient, people: dict[Role, Person]) -> None:
    for _ in range(4):
        r = client.post("/api/v1/auth/login", json={"email": "pr@cafeterra.es", "password": "x"})
        assert r.status_code == 401 and r.json() == {"detail": "wrong e-mail or password"}
    client.post("/api/v1/auth/login", json={"email": "pr@cafeterra.es", "password": "x"})
    locked = client.post(
        "/api/v1/auth/login", json={"email": "pr@cafeterra.es", "password": PASSWORD}
    )
    assert locked.status_code == 403 and "try again in 15 minutes" in locked.json()["detail"]


def test_two_factor_setup_and_sign_in(
    client: TestClient,
    people: dict[Role, Person],
    login: Callable[[str], str],
    factory: sessionmaker[Session],
) -> None:
    csrf = login("compliance@cafeterra.es")
    uri = client.post("/api/v1/me/2fa/setup", headers={"X-CSRF-Token": csrf}).json()
    totp = pyotp.parse_uri(uri["provisioning_uri"])
    bad = client.post(
        "/api/v1/me/2fa/enable", json={"code": "000000"}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422
    ok = client.post(
        "/api/v1/me/2fa/enable", json={"code": totp.now()}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 204
    client.cookies.clear()
    step = client.post(
        "/api/v1/auth/login", json={"email": "compliance@cafeterra.es", "password": PASSWORD}
    )
    assert step.json()["two_factor_required"] is True
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/2fa", json={"code": "123456"}).status_code == 401
    assert client.post("/api/v1/auth/2fa", json={"code": totp.now()}).status_code == 200
    assert client.get("/api/v1/me").json()["totp_enabled"] is True
    with factory() as db:
        user = db.execute(select(User).where(User.email == "compliance@cafeterra.es")).scalar_one()
        assert user.totp_secret and totp.secret not in user.totp_secret  # encrypted at rest


def test_tokens_are_scoped_and_revocable(client: TestClient, people: dict[Role, Person]) -> None:
    admin = people[Role.ADMIN].headers
    made = client.post(
        "/api/v1/tokens", json={"name": "bot", "scopes": ["review.text"]}, headers=admin
    )
    assert made.status_code == 201
    token = made.json()
    bot = {"Authorization": f"Bearer {token['token']}"}
    assert client.post("/api/v1/review", json={"text": "hola"}, headers=bot).status_code == 200
    assert client.get("/api/v1/users", headers=bot).status_code == 403
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=admin).status_code == 200
    assert client.post("/api/v1/review", json={"text": "hola"}, headers=bot).status_code == 401


def test_employee_cannot_grant_what_their_role_lacks(
    client: TestClient, people: dict[Role, Person]
) -> None:
    employee = people[Role.EMPLOYEE].headers
    assert client.get("/api/v1/users", headers=employee).status_code == 403


def test_every_change_is_audited(
    client: TestClient, people: dict[Role, Person], factory: sessionmaker[Session]
) -> None:
    client.post(
        "/api/v1/users",
        json={"email": "x@cafeterra.es", "name": "X", "role": "pr", "password": PASSWORD},
        headers=people[Role.ADMIN].headers,
    )
    events = client.get("/api/v1/audit/events", headers=people[Role.ADMIN].headers).json()
    assert events[0]["action"] == "user.create" and events[0]["actor"] == "admin@cafeterra.es"
    with factory() as db:
        assert verify(db).ok


def test_review_endpoint(client: TestClient, people: dict[Role, Person]) -> None:
    response = client.post(
        "/api/v1/review",
        json={"text": "Pronto: Proyecto Tucán", "account": "brand"},
        headers=people[Role.EMPLOYEE].headers,
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "block"
    bad = client.post(
        "/api/v1/review", json={"text": 5, "account": "x"}, headers=people[Role.PR].headers
    )
    assert bad.status_code == 422 and "account" in bad.json()["detail"]


def test_review_endpoint_with_models(client: TestClient, people: dict[Role, Person]) -> None:
    response = client.post(
        "/api/v1/review",
        json={"text": "What a pathetic bunch of clowns, nobody cares about you", "models": True},
        headers=people[Role.EMPLOYEE].headers,
    )
    body = response.json()
    assert body["signals"]["offensive"] is True
    assert "toxicity.classifier" in {f["rule"] for f in body["findings"]}


def test_home_is_the_web_app_and_the_api_is_documented(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    assert client.get("/docs").status_code == 200
