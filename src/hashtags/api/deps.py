"""Request dependencies: database session, the calling actor, and permission checks.

``require(Permission.X)`` is the one dependency per role rule; the permission-matrix test
reads it back from every route (``route_permission``), so no endpoint escapes the matrix.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hashtags.errors import Forbidden, Unauthorized
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor, session_actor, token_actor, touch_token
from hashtags.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "hashtags_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    factory = request.app.state.sessionmaker
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db)]
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="A numeric id.")]
"""A row id in a URL: bounded, so a huge number is a 422 and never reaches the database."""
SettingsDep = Annotated[Settings, Depends(get_settings)]


TOKEN_CACHE_SECONDS = 5.0
"""How long a worker process trusts a verified API token without asking the database again.

Authenticating against the database costs more than a whole review, so machines calling
``/review`` at a high rate would otherwise be limited by it. A token revoked through this
process is dropped from its cache at once; other processes notice within this many seconds."""


class TokenCache:
    """Verified API tokens of one process: SHA-256 of the token -> (actor, expiry)."""

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[Actor, float]] = {}

    def get(self, raw: str) -> Actor | None:
        entry = self._entries.get(_sha256(raw))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, raw: str, actor: Actor) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[_sha256(raw)] = (actor, time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._entries.clear()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_cache(request: Request) -> TokenCache:
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    if cache is None:
        cache = request.app.state.token_cache = TokenCache()
    return cache


async def current_actor(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Actor:
    """The caller, from ``Authorization: Bearer <token>`` or the session cookie.

    Authentication runs in its own short transaction, not the request's: a request never
    holds the database while it waits for the rest of its work. Cookie-authenticated requests
    that change something must send the session's CSRF token in the ``X-CSRF-Token`` header.
    """
    factory = request.app.state.sessionmaker
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise Unauthorized("Authorization must be 'Bearer <token>'")
        cache = token_cache(request)
        actor = cache.get(raw)
        if actor is None:
            actor = await run_in_threadpool(_token_lookup, factory, raw)
            cache.put(raw, actor)
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("sign in first, or send an API token")
    actor = await run_in_threadpool(_session_lookup, factory, cookie)
    if request.method not in SAFE_METHODS:
        sent = x_csrf_token or request.scope.get("hashtags.form_csrf")
        if not sent or sent != actor.csrf_token:
            raise Forbidden("missing or wrong CSRF token (X-CSRF-Token header)")
    return actor


def _token_lookup(factory: sessionmaker[Session], raw: str) -> Actor:
    with factory() as session, session.begin():
        actor = token_actor(session, raw=raw)
    try:
        with factory() as session, session.begin():
            touch_token(session, raw=raw)
    except OperationalError:
        # Best effort: a busy SQLite write lock must not fail the request it describes.
        log.info("could not record the use of an API token (database busy)")
    return actor


def _session_lookup(factory: sessionmaker[Session], cookie: str) -> Actor:
    with factory() as session, session.begin():
        return session_actor(session, token=cookie)[0]


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: Permission) -> Any:
    """A dependency that lets the request through only if the actor holds ``permission``."""

    async def check(actor: CurrentActor) -> Actor:
        if not actor.can(permission):
            raise Forbidden(f"your role ({actor.role.value}) may not {permission.value}")
        return actor

    check.permission = permission  # type: ignore[attr-defined]
    return Depends(check)


def route_permission(dependant_calls: list[Callable[..., Any]]) -> Permission | None:
    """The permission a route requires, read from its dependency functions."""
    for call in dependant_calls:
        permission = getattr(call, "permission", None)
        if permission is not None:
            return permission  # type: ignore[no-any-return]
    return None
