"""Request dependencies: database session, the calling actor, and permission checks.

``require(Permission.X)`` is the one dependency per role rule; the permission-matrix test
reads it back from every route (``route_permission``), so no endpoint escapes the matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session

from hashtags.errors import Forbidden, Unauthorized
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor, session_actor, token_actor
from hashtags.settings import Settings

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


def current_actor(
    request: Request,
    db: DbSession,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Actor:
    """The caller, from ``Authorization: Bearer <token>`` or the session cookie.

    Cookie-authenticated requests that change something must send the session's CSRF token
    in the ``X-CSRF-Token`` header (or a ``csrf_token`` form field, checked by the web app).
    """
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            raise Unauthorized("Authorization must be 'Bearer <token>'")
        return token_actor(db, raw=raw.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("sign in first, or send an API token")
    actor, _ = session_actor(db, token=cookie)
    if request.method not in SAFE_METHODS:
        sent = x_csrf_token or request.scope.get("hashtags.form_csrf")
        if not sent or sent != actor.csrf_token:
            raise Forbidden("missing or wrong CSRF token (X-CSRF-Token header)")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: Permission) -> Any:
    """A dependency that lets the request through only if the actor holds ``permission``."""

    def check(actor: CurrentActor) -> Actor:
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
