"""People: accounts, passwords (argon2), two-factor (TOTP), sessions, API tokens, lockout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from hashtags.audit.service import record
from hashtags.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, choice
from hashtags.people.models import ApiToken, Team, User, WebSession
from hashtags.people.permissions import GRANTS, Permission, Role
from hashtags.settings import Settings
from hashtags.storage.db import utcnow

_hasher = PasswordHasher()


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2 parameters: only for test suites, where hundreds of users are created."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


TOKEN_PREFIX = "htg_"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: a person through a session, or a machine through an API token."""

    user_id: int
    email: str
    role: Role
    via: str
    """``session`` or ``token``."""
    scopes: frozenset[Permission] | None = None
    """For tokens: the permissions granted to the token (within the owner's role)."""
    csrf_token: str | None = None

    def can(self, permission: Permission) -> bool:
        if permission not in GRANTS[self.role]:
            return False
        return self.scopes is None or permission in self.scopes


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check_password_strength(password: str, *, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInput("password: at least %(least)s characters are required", least=min_length)
    if password.lower() == password or not any(ch.isdigit() for ch in password):
        raise InvalidInput("password: mix upper and lower case letters and at least one digit")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    actor: str,
    team: str | None = None,
    language: str = "es",
    min_length: int = 12,
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("email: %(email)r is not an e-mail address", email=email)
    role = choice(Role, role, field="role")
    if language not in ("es", "en"):
        raise InvalidInput("language: %(language)r is not one of es, en", language=language)
    check_password_strength(password, min_length=min_length)
    if session.execute(select(User.id).where(User.email == email)).first():
        raise Conflict("a user with e-mail %(email)s already exists", email=email)
    team_row = None
    if team:
        team_row = session.execute(select(Team).where(Team.name == team)).scalar_one_or_none()
        if team_row is None:
            team_row = Team(name=team)
            session.add(team_row)
    user = User(
        email=email,
        name=name,
        role=role.value,
        language=language,
        password_hash=_hasher.hash(password),
        team=team_row,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        after={"email": email, "role": role.value, "team": team},
    )
    return user


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user %(user)s not found", user=user_id)
    return user


def authenticate(session: Session, *, email: str, password: str, settings: Settings) -> User:
    """Check e-mail and password, counting failures and locking the account when throttled."""
    user = session.execute(
        select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    now = utcnow()
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        raise Unauthorized("wrong e-mail or password")
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise Forbidden(
            "too many failed sign-ins: try again in %(minutes)s minutes", minutes=minutes
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            record(
                session,
                actor=user.email,
                action="user.locked",
                target_type="user",
                target_id=user.id,
            )
        raise Unauthorized("wrong e-mail or password") from None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, *, user: User, settings: Settings) -> tuple[str, WebSession]:
    """A new browser session; returns the raw token (for the cookie) and the row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=_sha256(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        second_factor_done=not user.totp_enabled,
        expires_at=utcnow() + timedelta(hours=settings.session_hours),
    )
    session.add(row)
    session.flush()
    record(session, actor=user.email, action="session.start", target_type="user", target_id=user.id)
    return token, row


def session_actor(
    session: Session, *, token: str, allow_pending_2fa: bool = False
) -> tuple[Actor, WebSession]:
    row = session.execute(
        select(WebSession).where(WebSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("not signed in, or the session expired: sign in again")
    if not row.second_factor_done and not allow_pending_2fa:
        raise Unauthorized("enter your two-factor code to finish signing in")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("this account is disabled")
    actor = Actor(user.id, user.email, Role(user.role), "session", None, row.csrf_token)
    return actor, row


def end_session(session: Session, *, token: str) -> None:
    row = session.execute(
        select(WebSession).where(WebSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if row is not None:
        session.delete(row)


# --- two-factor ----------------------------------------------------------------------------


def _fernet(settings: Settings) -> Fernet:
    return Fernet(settings.fernet_key)


def begin_totp(session: Session, *, user: User, settings: Settings) -> str:
    """Create a new TOTP secret (not yet enabled) and return its provisioning URI."""
    secret = pyotp.random_base32()
    user.totp_secret = _fernet(settings).encrypt(secret.encode()).decode()
    user.totp_enabled = False
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="HASHTAGS")


def _totp(user: User, settings: Settings) -> pyotp.TOTP:
    if not user.totp_secret:
        raise Conflict("two-factor authentication is not set up for this account")
    try:
        secret = _fernet(settings).decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        raise Conflict("the two-factor secret cannot be read; set it up again") from None
    return pyotp.TOTP(secret)


def enable_totp(session: Session, *, user: User, code: str, settings: Settings) -> None:
    if not _totp(user, settings).verify(code.replace(" ", ""), valid_window=1):
        raise InvalidInput("code: that code is not valid; check your authenticator's clock")
    user.totp_enabled = True
    record(session, actor=user.email, action="2fa.enable", target_type="user", target_id=user.id)


def complete_second_factor(
    session: Session, *, web_session: WebSession, code: str, settings: Settings
) -> None:
    user = session.get(User, web_session.user_id)
    if user is None or not user.totp_enabled:
        raise Conflict("two-factor authentication is not enabled for this account")
    if not _totp(user, settings).verify(code.replace(" ", ""), valid_window=1):
        raise Unauthorized("that two-factor code is not valid")
    web_session.second_factor_done = True


def totp_uri(user: User, settings: Settings) -> str:
    """The provisioning URI of the secret set up (enabled or not), for showing it again."""
    return _totp(user, settings).provisioning_uri(name=user.email, issuer_name="HASHTAGS")


def totp_now(user: User, settings: Settings) -> str:
    """The current code (for the demo and tests: people use their authenticator app)."""
    return _totp(user, settings).now()


# --- API tokens ----------------------------------------------------------------------------


def create_token(
    session: Session, *, owner: Actor, name: str, scopes: list[str]
) -> tuple[str, ApiToken]:
    """A new token for ``owner`` with ``scopes`` (each must be within the owner's role)."""
    wanted: list[Permission] = []
    for scope in scopes:
        try:
            permission = Permission(scope)
        except ValueError:
            raise InvalidInput("scopes: %(scope)r is not a permission", scope=scope) from None
        if permission not in GRANTS[owner.role]:
            raise Forbidden("scopes: your role cannot grant %(scope)r", scope=scope)
        wanted.append(permission)
    if not wanted:
        raise InvalidInput("scopes: give the token at least one permission")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=raw[:12],
        token_hash=_sha256(raw),
        scopes=[p.value for p in wanted],
        user_id=owner.user_id,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=owner.email,
        action="token.create",
        target_type="api_token",
        target_id=token.id,
        after={"name": name, "scopes": token.scopes},
    )
    return raw, token


def touch_token(session: Session, *, raw: str) -> None:
    """Record that a token was used, at most once a minute (a write per call would make every
    API request a write transaction). Callers run it in its own short transaction."""
    now = utcnow()
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _sha256(raw))
        .where(
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - timedelta(minutes=1))
        )
        .values(last_used_at=now)
    )


def token_actor(session: Session, *, raw: str) -> Actor:
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _sha256(raw))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("invalid or revoked API token")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthorized("the token's owner is disabled")
    scopes = frozenset(Permission(s) for s in token.scopes)
    return Actor(user.id, user.email, Role(user.role), "token", scopes)


def revoke_token(session: Session, *, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("API token %(token)s not found", token=token_id)
    if token.user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden("only the token's owner or an admin can revoke it")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(
            session,
            actor=actor.email,
            action="token.revoke",
            target_type="api_token",
            target_id=token.id,
        )
    return token


# --- administration ------------------------------------------------------------------------


def update_user(
    session: Session,
    *,
    actor: Actor,
    user_id: int,
    role: Role | str | None = None,
    active: bool | None = None,
    language: str | None = None,
) -> User:
    """Change someone's role, language, or deactivate (reactivate) them; ``None`` leaves it as
    it is. The web app's people page and ``PATCH /api/v1/users/{id}`` both come here.

    Nobody changes their own role or deactivates themselves: an administrator could otherwise
    lock everyone out. Deactivated people cannot sign in, and their sessions and tokens stop
    working (they are checked on every use). Audited as ``user.update`` when anything changed.
    """
    user = get_user(session, user_id=user_id)
    before: dict[str, object] = {"role": user.role, "active": user.active}
    if language is not None:  # the audit shows the language only when it was asked to change
        before["language"] = user.language
    if role is not None:
        new_role = choice(Role, role, field="role").value
        if new_role != user.role and user.id == actor.user_id:
            raise Forbidden("role: you cannot change your own role; ask another administrator")
        user.role = new_role
    if active is not None:
        if not active and user.id == actor.user_id:
            raise Forbidden("you cannot deactivate yourself; ask another administrator")
        user.active = active
    after: dict[str, object] = {"role": user.role, "active": user.active}
    if language is not None:
        user.language = after["language"] = language
    if after != before:
        record(
            session,
            actor=actor.email,
            action="user.update",
            target_type="user",
            target_id=user.id,
            before=before,
            after=after,
        )
    return user


def list_users(session: Session) -> list[User]:
    """Everyone, by name."""
    query = select(User).options(selectinload(User.team)).order_by(User.name, User.id)
    return list(session.execute(query).scalars())


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    """API tokens: an administrator's view is everyone's, anyone else's is their own."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if actor.role is not Role.ADMIN:
        query = query.where(ApiToken.user_id == actor.user_id)
    return list(session.execute(query).scalars())
