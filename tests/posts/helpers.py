"""A small world for the platform's service tests: people in every role, the demo policy's
brand accounts and an employee's personal account; imported by the conftest files of
tests/posts, tests/approvals and tests/crisis."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hashtags.accounts import service as accounts
from hashtags.accounts.models import SocialAccount
from hashtags.audit.models import AuditEvent
from hashtags.people import service as people
from hashtags.people.permissions import Role
from hashtags.people.service import Actor
from hashtags.review.engine import Engine
from hashtags.settings import Settings
from tests.support.api import PASSWORD

ALLOW = "Hoy abrimos a las 9. ¡Os esperamos con café recién hecho!"
REVIEW = "Este viernes llegan las ofertas de black friday a todas las tiendas"
BLOCK = "Pronto: Proyecto Tucán"
COMPLAINT = "@cafeterra mi pedido llegó roto, es una vergüenza, quiero que me devolváis el dinero"
APOLOGY = "Hola, lo siento mucho, escríbenos por privado"
SETTINGS = Settings(env="test", secret_key="test-secret-key-for-the-suite")


@dataclass
class World:
    db: Session
    engine: Engine
    actors: dict[Role, Actor]
    mastodon: SocialAccount
    """cafeterra-mastodon: approval when_flagged; publishers admin, pr, social, customer service."""
    bluesky: SocialAccount
    """cafeterra-bluesky: approval always; publishers admin, pr, social_engagement."""
    personal: SocialAccount
    """The employee's own account."""
    enqueued: list[int] = field(default_factory=list)

    def person(self, email: str, role: Role) -> Actor:
        user = people.create_user(
            self.db, email=email, name=email, role=role, password=PASSWORD, actor="test"
        )
        return Actor(user.id, user.email, role, "session")

    def actions(self, target_type: str | None = None) -> list[str]:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if target_type is not None:
            query = query.where(AuditEvent.target_type == target_type)
        return [e.action for e in self.db.execute(query).scalars()]


def build_world(db: Session, engine: Engine) -> World:
    actors: dict[Role, Actor] = {}
    for role in Role:
        user = people.create_user(
            db,
            email=f"{role.value}@cafeterra.es",
            name=role.value,
            role=role,
            password=PASSWORD,
            actor="test",
        )
        actors[role] = Actor(user.id, user.email, role, "session")
    admin = actors[Role.ADMIN]
    policy = engine.policy
    mastodon = accounts.create_account(
        db,
        actor=admin,
        policy=policy,
        settings=SETTINGS,
        kind="brand",
        network="mastodon",
        handle="@cafeterra@mastodon.social",
        base_url="https://mastodon.social",
        policy_id="cafeterra-mastodon",
        credentials={"access_token": "secret-token-123"},
    )
    bluesky = accounts.create_account(
        db,
        actor=admin,
        policy=policy,
        settings=SETTINGS,
        kind="brand",
        network="sandbox",
        handle="@cafeterra.es",
        policy_id="cafeterra-bluesky",
    )
    personal = accounts.create_account(
        db,
        actor=actors[Role.EMPLOYEE],
        policy=policy,
        settings=SETTINGS,
        kind="personal",
        network="sandbox",
        handle="@diego.martin",
    )
    return World(db, engine, actors, mastodon, bluesky, personal)


@pytest.fixture
def world(db: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world, with publishing's ``enqueue_post`` seam recording instead of queueing."""
    built = build_world(db, engine)

    def record_enqueue(session: Session, post_id: int, actor: Actor) -> None:
        built.enqueued.append(post_id)

    monkeypatch.setattr("hashtags.posts.service._enqueue", record_enqueue)
    yield built
