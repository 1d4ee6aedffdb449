"""Page tests run on SQLite: pages are a layer over the services, whose own tests run on
SQLite and PostgreSQL alike; the browser tests (test_e2e.py) drive a real server on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.api import Person

from hashtags.people.permissions import Role
from hashtags.people.service import Actor
from hashtags.settings import Settings
from hashtags.storage import migrate
from hashtags.storage.db import make_engine

SETTINGS = Settings(env="test", secret_key="test-secret-key-for-the-suite")


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("web") / "hashtags.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@dataclass
class Accounts:
    mastodon: int
    """Brand, policy account cafeterra-mastodon (approval when flagged)."""
    sandbox: int
    """Brand, on the sandbox network, policy account cafeterra-bluesky (approval always)."""
    personal: int
    """The employee's own account, on the sandbox network."""


@pytest.fixture
def accounts(factory: sessionmaker[Session], people: dict[Role, Person]) -> Accounts:
    """The demo policy's two brand accounts and the employee's personal account."""
    from hashtags.accounts.service import create_account
    from hashtags.people.models import User
    from hashtags.review.service import demo_policy

    policy = demo_policy()
    with factory() as db, db.begin():

        def actor(role: Role) -> Actor:
            user = db.execute(select(User).where(User.email == people[role].email)).scalar_one()
            return Actor(user.id, user.email, role, "session")

        common = {"actor": actor(Role.ADMIN), "policy": policy, "settings": SETTINGS}
        mastodon = create_account(
            db,
            **common,
            kind="brand",
            network="mastodon",
            handle="@cafeterra@mastodon.social",
            base_url="https://mastodon.social",
            policy_id="cafeterra-mastodon",
        )
        sandbox = create_account(
            db,
            **common,
            kind="brand",
            network="sandbox",
            handle="@cafeterra.es",
            policy_id="cafeterra-bluesky",
        )
        personal = create_account(
            db,
            actor=actor(Role.EMPLOYEE),
            policy=policy,
            settings=SETTINGS,
            kind="personal",
            network="sandbox",
            handle="@diego.martin",
        )
        return Accounts(mastodon.id, sandbox.id, personal.id)
