"""The real application on the test's database, and people in every role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from hashtags.api.app import create_app
from hashtags.people import service
from hashtags.people.permissions import Role
from hashtags.settings import Settings

PASSWORD = "Correct-Horse-42"
service.use_fast_hashing_for_tests()


@pytest.fixture
def settings() -> Settings:
    return Settings(env="test", secret_key="test-secret-key-for-the-suite")


@pytest.fixture
def client(
    connection: Connection, factory: sessionmaker[Session], settings: Settings
) -> Iterator[TestClient]:
    app = create_app(settings, engine=connection.engine, factory=factory)
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Person:
    email: str
    role: Role
    headers: dict[str, str]
    """Authorization header with an API token holding every permission of the role."""


@pytest.fixture
def people(factory: sessionmaker[Session]) -> dict[Role, Person]:
    """One person in every role, each with a full-scope API token."""
    from hashtags.people.permissions import GRANTS

    out: dict[Role, Person] = {}
    with factory() as db, db.begin():
        for role in Role:
            email = f"{role.value}@cafeterra.es"
            user = service.create_user(
                db, email=email, name=role.value, role=role, password=PASSWORD, actor="test"
            )
            actor = service.Actor(user.id, email, role, "session")
            raw, _ = service.create_token(
                db, owner=actor, name="test", scopes=[p.value for p in GRANTS[role]]
            )
            out[role] = Person(email, role, {"Authorization": f"Bearer {raw}"})
    return out


@pytest.fixture
def login(client: TestClient) -> Callable[[str], str]:
    """Sign in through the API with a session cookie; returns the CSRF token."""

    def run(email: str, password: str = PASSWORD) -> str:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["csrf_token"])

    return run
