"""Request dependencies: database session, the calling actor, and permission checks.

``require(Permission.X)`` is the one dependency per role rule; the permission-matrix test
reads it back from every route (``route_permission``), so no endpoint escapes the matrix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Request, Response
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hashtags.api.token_cache import TokenCache, watch_for
from hashtags.errors import Forbidden, Unauthorized
from hashtags.people.models import User
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor, session_actor, token_actor, touch_token
from hashtags.settings import Settings
from hashtags.storage.db import writing

log = logging.getLogger(__name__)

SESSION_COOKIE = "hashtags_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The session cookie, as both sign-ins (API and web app) set it."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
        max_age=settings.session_hours * 3600,
    )


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


WRITES_ON_READ = "hashtags_writes_on_read"


F = TypeVar("F", bound=Callable[..., Any])


def writes_on_read(endpoint: F) -> F:
    """Mark a GET handler that changes something (the two-factor set-up page stores the new
    secret it shows): its request takes SQLite's write lock at BEGIN, as a POST's does (see
    :func:`get_db`). Put it under the route decorator."""
    setattr(endpoint, WRITES_ON_READ, True)
    return endpoint


def _writes(request: Request) -> bool:
    if request.method not in SAFE_METHODS:
        return True
    return bool(getattr(request.scope.get("endpoint"), WRITES_ON_READ, False))


class UnmarkedWrite(RuntimeError):
    """A GET handler not marked :func:`writes_on_read` changed rows through the ORM."""


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise UnmarkedWrite(
            "a GET handler changed the database without @writes_on_read: its transaction "
            "does not hold the write lock, so it would fail whenever another writer commits "
            "first; mark the handler (hashtags.api.deps.writes_on_read)"
        )


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back.

    The commit happens before the response is sent (``scope="function"`` below), so a commit
    that fails is the request's error, never a success reply for a write that was lost. A
    request that changes something (any method but GET/HEAD/OPTIONS) takes SQLite's write lock
    when its transaction begins (``storage.db.writing``): a read-then-write transaction would
    otherwise fail whenever the publishing worker committed in between. So does a GET whose
    handler is marked :func:`writes_on_read`; an unmarked one that changes ORM rows fails at
    its flush (:class:`UnmarkedWrite`), every time, instead of now and then under load.
    """
    factory = request.app.state.sessionmaker
    bind = factory.kw.get("bind")
    writes = _writes(request)
    session = factory(bind=writing(bind)) if writes and isinstance(bind, Engine) else factory()
    if not writes:
        event.listen(session, "before_flush", _refuse_writes)
    with session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db, scope="function")]
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="A numeric id.")]
"""A row id in a URL: bounded, so a huge number is a 422 and never reaches the database."""
SettingsDep = Annotated[Settings, Depends(get_settings)]


def token_cache(request: Request) -> TokenCache:
    """This process's cache of verified API tokens (see ``hashtags.api.token_cache``)."""
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    if cache is None:
        watch = watch_for(request.app.state.engine)
        cache = request.app.state.token_cache = TokenCache(watch=watch)
    return cache


async def current_actor(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Actor:
    """The caller, from ``Authorization: Bearer <token>`` or the session cookie (see
    ``authenticate``); the routes that only need someone signed in use it."""
    return await authenticate(request, authorization, x_csrf_token)


async def authenticate(
    request: Request, authorization: str | None, x_csrf_token: str | None
) -> Actor:
    """The caller, from ``Authorization: Bearer <token>`` or the session cookie.

    Authentication runs in its own short transaction, not the request's: a request never
    holds the database while it waits for the rest of its work. Cookie-authenticated requests
    that change something must send the session's CSRF token in the ``X-CSRF-Token`` header.
    Verified tokens are cached per process (``hashtags.api.token_cache``).
    """
    factory = request.app.state.sessionmaker
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise Unauthorized("Authorization must be 'Bearer <token>'")

        async def lookup(token: str) -> Actor:
            return await run_in_threadpool(_token_lookup, factory, token)

        return await token_cache(request).actor(raw, lookup)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("sign in first, or send an API token")
    actor, totp_enabled = await run_in_threadpool(_session_lookup, factory, cookie)
    if request.method not in SAFE_METHODS:
        sent = x_csrf_token or request.scope.get("hashtags.form_csrf")
        if not sent or sent != actor.csrf_token:
            raise Forbidden("missing or wrong CSRF token (X-CSRF-Token header)")
    if not totp_enabled and not request.url.path.startswith(TWO_FACTOR_EXEMPT):
        from hashtags.review.api import app_engine

        if actor.role.value in app_engine(request.app).policy.security.two_factor_roles:
            raise Forbidden(
                "the policy requires two-factor authentication for your role (%(role)s): set it "
                "up first (POST /api/v1/me/2fa/setup, then /api/v1/me/2fa/enable)",
                role=actor.role.value,
            )
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


TWO_FACTOR_EXEMPT = ("/api/v1/me", "/api/v1/auth/")
"""What a person whose role needs two-factor may use before it is on: seeing themselves,
setting it up, signing out (the web app has its own set-up page)."""


def _session_lookup(factory: sessionmaker[Session], cookie: str) -> tuple[Actor, bool]:
    """The session's person, and whether their two-factor authentication is on."""
    with factory() as session, session.begin():
        actor, _ = session_actor(session, token=cookie)
        user = session.get(User, actor.user_id)
        return actor, bool(user and user.totp_enabled)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: Permission) -> Any:
    """A dependency that lets the request through only if the actor holds ``permission``.

    It reads the credentials from the request itself rather than declaring them as header
    parameters of a nested dependency: FastAPI resolves declared parameters on every request,
    and that cost about 70 µs of a review request's 400 (``bench/api_bench.py``); the OpenAPI
    document describes them once, as security schemes (``hashtags.api.server``).
    """

    async def check(request: Request) -> Actor:
        headers = request.headers
        actor = await authenticate(request, headers.get("authorization"), headers.get(CSRF_HEADER))
        if not actor.can(permission):
            raise Forbidden(
                "your role (%(role)s) may not %(permission)s",
                role=actor.role.value,
                permission=permission.value,
            )
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
