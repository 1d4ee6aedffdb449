"""Sign-in, two-factor, the signed-in person, people administration and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from hashtags.api.deps import (
    SESSION_COOKIE,
    CurrentActor,
    DbSession,
    IdPath,
    SettingsDep,
    require,
    set_session_cookie,
    token_cache,
)
from hashtags.errors import DomainError, Unauthorized
from hashtags.people import service
from hashtags.people.models import ApiToken, User
from hashtags.people.permissions import Permission, Role
from hashtags.people.schemas import (
    CodeIn,
    LoginIn,
    LoginOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    TotpSetupOut,
    UserIn,
    UserOut,
    UserPatch,
)
from hashtags.people.service import Actor

router = APIRouter()


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, response: Response, db: DbSession, settings: SettingsDep) -> LoginOut:
    """Sign in with e-mail and password; a second step follows when two-factor is on."""
    try:
        user = service.authenticate(db, email=body.email, password=body.password, settings=settings)
    except DomainError:
        db.commit()  # keep the failure count and any lockout, then refuse
        raise
    token, web_session = service.start_session(db, user=user, settings=settings)
    set_session_cookie(response, token, settings)
    return LoginOut(
        csrf_token=web_session.csrf_token, two_factor_required=not web_session.second_factor_done
    )


@router.post("/auth/2fa", tags=["auth"])
def second_factor(body: CodeIn, request: Request, db: DbSession, settings: SettingsDep) -> LoginOut:
    """Finish signing in with the authenticator's code."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("sign in with your password first")
    _, web_session = service.session_actor(db, token=cookie, allow_pending_2fa=True)
    service.complete_second_factor(db, web_session=web_session, code=body.code, settings=settings)
    return LoginOut(csrf_token=web_session.csrf_token, two_factor_required=False)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, response: Response, db: DbSession, actor: CurrentActor) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.end_session(db, token=cookie)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", tags=["auth"])
def me(db: DbSession, actor: CurrentActor) -> UserOut:
    return UserOut.model_validate(service.get_user(db, user_id=actor.user_id))


@router.post("/me/2fa/setup", tags=["auth"])
def totp_setup(db: DbSession, actor: CurrentActor, settings: SettingsDep) -> TotpSetupOut:
    """A new two-factor secret, as a provisioning URI for the authenticator app."""
    user = service.get_user(db, user_id=actor.user_id)
    return TotpSetupOut(provisioning_uri=service.begin_totp(db, user=user, settings=settings))


@router.post("/me/2fa/enable", status_code=204, tags=["auth"])
def totp_enable(body: CodeIn, db: DbSession, actor: CurrentActor, settings: SettingsDep) -> None:
    user = service.get_user(db, user_id=actor.user_id)
    service.enable_totp(db, user=user, code=body.code, settings=settings)


@router.get("/users", tags=["people"])
def list_users(
    db: DbSession, actor: Annotated[Actor, require(Permission.PEOPLE_READ)]
) -> list[UserOut]:
    users = db.execute(select(User).order_by(User.id)).scalars()
    return [UserOut.model_validate(u) for u in users]


@router.post("/users", status_code=201, tags=["people"])
def create_user(
    body: UserIn, db: DbSession, actor: Annotated[Actor, require(Permission.PEOPLE_MANAGE)]
) -> UserOut:
    user = service.create_user(
        db,
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        team=body.team,
        language=body.language,
        actor=actor.email,
    )
    return UserOut.model_validate(user)


@router.patch("/users/{user_id}", tags=["people"])
def update_user(
    request: Request,
    user_id: IdPath,
    body: UserPatch,
    db: DbSession,
    actor: Annotated[Actor, require(Permission.PEOPLE_MANAGE)],
) -> UserOut:
    current = service.get_user(db, user_id=user_id)
    was = (current.role, current.active)
    user = service.update_user(
        db,
        actor=actor,
        user_id=user_id,
        role=body.role,
        active=body.active,
        language=body.language,
    )
    if (user.role, user.active) != was:
        # Their tokens' cached permissions are stale: here at once; elsewhere the commit (or
        # its notification) tells every process (hashtags.api.token_cache).
        token_cache(request).invalidate()
    return UserOut.model_validate(user)


@router.get("/tokens", tags=["tokens"])
def list_tokens(
    db: DbSession, actor: Annotated[Actor, require(Permission.TOKENS_MANAGE)]
) -> list[TokenOut]:
    query = select(ApiToken).order_by(ApiToken.id)
    if actor.role is not Role.ADMIN:
        query = query.where(ApiToken.user_id == actor.user_id)
    return [TokenOut.model_validate(t) for t in db.execute(query).scalars()]


@router.post("/tokens", status_code=201, tags=["tokens"])
def create_token(
    body: TokenIn, db: DbSession, actor: Annotated[Actor, require(Permission.TOKENS_MANAGE)]
) -> TokenCreated:
    raw, token = service.create_token(db, owner=actor, name=body.name, scopes=body.scopes)
    return TokenCreated(token=raw, **TokenOut.model_validate(token).model_dump())


@router.delete("/tokens/{token_id}", tags=["tokens"])
def revoke_token(
    request: Request,
    token_id: IdPath,
    db: DbSession,
    actor: Annotated[Actor, require(Permission.TOKENS_MANAGE)],
) -> TokenOut:
    revoked = service.revoke_token(db, actor=actor, token_id=token_id)
    # This process stops trusting it now; the others when the revocation commits
    # (hashtags.api.token_cache: SQLite's data_version, PostgreSQL's NOTIFY).
    token_cache(request).invalidate()
    return TokenOut.model_validate(revoked)
