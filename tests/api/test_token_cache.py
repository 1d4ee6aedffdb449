"""The per-process cache of verified API tokens: one lookup at a time, refreshed ahead of
expiry, and revocations seen by every process (two applications on one database stand for
two worker processes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hashtags.api.app import create_app
from hashtags.api.token_cache import PostgresListener, TokenCache
from hashtags.errors import Unauthorized
from hashtags.people import service
from hashtags.people.permissions import GRANTS, Permission, Role
from hashtags.people.service import Actor
from hashtags.settings import Settings
from hashtags.storage.db import make_engine, transaction
from tests.publishing.live import Live, live
from tests.support.db import POSTGRES_URL

__all__ = ["live"]
ACTOR = Actor(1, "bot@cafeterra.es", Role.PR, "token", frozenset({Permission.REVIEW_TEXT}))


class Directory:
    """Stands for the database behind a lookup: counts lookups, answers after a delay."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.calls = 0
        self.revoked = False

    async def lookup(self, raw: str) -> Actor:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.revoked:
            raise Unauthorized("invalid or revoked API token")
        return ACTOR


def test_concurrent_requests_share_one_lookup() -> None:
    async def scenario() -> None:
        cache, directory = TokenCache(ttl=5.0), Directory()
        actors = await asyncio.gather(*(cache.actor("htg_x", directory.lookup) for _ in range(50)))
        assert actors == [ACTOR] * 50 and directory.calls == 1
        assert await cache.actor("htg_x", directory.lookup) == ACTOR and directory.calls == 1

    asyncio.run(scenario())


def test_an_ageing_entry_is_refreshed_in_the_background_and_a_revocation_drops_it() -> None:
    async def scenario() -> None:
        cache, directory = TokenCache(ttl=1.0, refresh_after=0.1), Directory(delay=0.05)
        await cache.actor("htg_x", directory.lookup)
        await asyncio.sleep(0.15)
        directory.revoked = True
        started = time.monotonic()
        # Answered from the cache at once; the refresh runs behind it.
        assert await cache.actor("htg_x", directory.lookup) == ACTOR
        assert time.monotonic() - started < directory.delay and cache.lookups == 2
        await asyncio.sleep(0.1)  # the refresh found the token revoked
        with pytest.raises(Unauthorized):
            await cache.actor("htg_x", directory.lookup)

    asyncio.run(scenario())


def test_a_lookup_that_started_before_an_invalidation_is_not_cached() -> None:
    async def scenario() -> None:
        cache, directory = TokenCache(ttl=5.0), Directory(delay=0.05)
        pending = asyncio.ensure_future(cache.actor("htg_x", directory.lookup))
        await asyncio.sleep(0.01)
        cache.invalidate()  # a revocation committed while the lookup was reading
        assert await pending == ACTOR
        assert cache.get("htg_x") is None

    asyncio.run(scenario())


# --- two processes, one database ------------------------------------------------------------


Apps = tuple[TestClient, TestClient, dict[str, str], int, int]


@pytest.fixture
def two_apps(live: Live) -> Iterator[Apps]:
    """Two applications on one database (the first signed in as an administrator), and a
    machine's token with its id and its owner's."""
    settings = Settings(env="test", database_url=live.url, secret_key="test-secret-key")
    with transaction(live.sessions) as session:
        admin = service.create_user(
            session,
            email="admin@cafeterra.es",
            name="Admin",
            role=Role.ADMIN,
            password="Correct-Horse-42",
            actor="test",
        )
        bot = service.create_user(
            session,
            email="bot@cafeterra.es",
            name="Bot",
            role=Role.PR,
            password="Correct-Horse-42",
            actor="test",
        )
        admin_actor = Actor(admin.id, admin.email, Role.ADMIN, "session")
        admin_raw, _ = service.create_token(
            session, owner=admin_actor, name="admin", scopes=[p.value for p in GRANTS[Role.ADMIN]]
        )
        bot_actor = Actor(bot.id, bot.email, Role.PR, "session")
        bot_raw, token = service.create_token(
            session, owner=bot_actor, name="bot", scopes=[Permission.REVIEW_TEXT.value]
        )
        token_id, bot_id = token.id, bot.id
    headers = {"Authorization": f"Bearer {bot_raw}"}
    with (
        TestClient(create_app(settings)) as first,
        TestClient(create_app(settings)) as second,
    ):
        first.headers["Authorization"] = f"Bearer {admin_raw}"
        yield first, second, headers, token_id, bot_id
        first.app.state.engine.dispose()  # type: ignore[attr-defined]
        second.app.state.engine.dispose()  # type: ignore[attr-defined]


def _review(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/v1/review", json={"text": "Hola"}, headers=headers)
    return response.status_code


def _eventually(check: object, seconds: float = 2.0) -> float:
    """Seconds until ``check()`` holds (PostgreSQL's notification takes milliseconds)."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < seconds, "the other process never noticed"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_token_revoked_in_one_process_is_refused_by_the_others_at_once(
    two_apps: Apps,
) -> None:
    first, second, bot, token_id, _ = two_apps
    assert _review(second, bot) == 200  # verified and cached by the second process
    assert _review(second, bot) == 200  # (on SQLite, again: the first one's commit)
    cache = second.app.state.token_cache  # type: ignore[attr-defined]
    lookups = cache.lookups
    assert _review(second, bot) == 200
    assert cache.lookups == lookups <= 2  # the cache is trusted: its watch is on
    revoked = first.delete(f"/api/v1/tokens/{token_id}")
    assert revoked.status_code == 200, revoked.text
    waited = _eventually(lambda: _review(second, bot) == 401)
    assert waited < 1.0  # not the cache's 5 s


def test_a_user_disabled_in_one_process_loses_their_tokens_in_the_others(
    two_apps: Apps,
) -> None:
    first, second, bot, _, user_id = two_apps
    assert _review(second, bot) == 200
    disabled = first.patch(f"/api/v1/users/{user_id}", json={"active": False})
    assert disabled.status_code == 200, disabled.text
    waited = _eventually(lambda: _review(second, bot) == 401)
    assert waited < 1.0


def test_the_postgresql_listener_trusts_nothing_until_it_listens_again() -> None:
    engine = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL run skipped: no server answers at {POSTGRES_URL} ({exc.orig})")
    listener = PostgresListener(engine)
    listener.RECONNECT_SECONDS = 0.2
    try:
        assert listener.listening
        before = listener.epoch()
        assert listener.epoch() == before  # listening: a stable epoch, caches are trusted
        with engine.begin() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid}
            )
        _eventually(lambda: not listener.listening)
        assert listener.epoch() != listener.epoch()  # meanwhile nothing cached is trusted
        _eventually(lambda: listener.listening, seconds=5.0)
        after = listener.epoch()
        assert after == listener.epoch() and after != before
    finally:
        listener.stop()
        engine.dispose()
    _eventually(lambda: not listener.listening)
