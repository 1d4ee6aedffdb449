"""Settings for administrators: people and their roles, social accounts and their credentials,
API tokens. Each page is readable by those who may see it and changeable by those who may
change it; everything goes through the people and accounts services (which audit it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hashtags.accounts import service as accounts
from hashtags.accounts.models import SocialAccount
from hashtags.api.deps import DbSession, IdPath, SettingsDep, token_cache
from hashtags.crisis.service import state as freeze_state
from hashtags.errors import DomainError, InvalidInput, NotFound
from hashtags.people import service as people
from hashtags.people.models import User
from hashtags.people.permissions import GRANTS, Permission, Role
from hashtags.review.api import policy_engine
from hashtags.web.deps import (
    Form,
    NavItem,
    Viewer,
    check_csrf,
    error_text,
    field_text,
    page,
    redirect,
    render,
    t,
)
from hashtags.web.i18n import LANGUAGES, N_

router = APIRouter()
NAV = [NavItem(N_("Admin"), "/admin/people", Permission.PEOPLE_READ, order=80)]

PeopleReader = Annotated[Viewer, page(Permission.PEOPLE_READ)]
PeopleManager = Annotated[Viewer, page(Permission.PEOPLE_MANAGE)]
AccountsReader = Annotated[Viewer, page(Permission.ACCOUNTS_READ)]
AccountsManager = Annotated[Viewer, page(Permission.ACCOUNTS_MANAGE)]
TokensManager = Annotated[Viewer, page(Permission.TOKENS_MANAGE)]

CREDENTIAL_NAMES = {"mastodon": "access_token", "bluesky": "app_password"}
"""What each network's connector reads from an account's credentials (the sandbox needs none)."""

PERMISSION_LABELS = {
    Permission.REVIEW_TEXT: N_("Review texts against the policy"),
    Permission.POSTS_READ: N_("Read posts"),
    Permission.POSTS_WRITE: N_("Write and submit posts"),
    Permission.POSTS_PUBLISH_BRAND: N_("Publish on brand accounts"),
    Permission.POSTS_REPLY_COMPLAINTS: N_("Answer complaints"),
    Permission.APPROVALS_DECIDE: N_("Decide on approvals"),
    Permission.POSTS_OVERRIDE_BLOCK: N_("Publish despite a block"),
    Permission.CRISIS_FREEZE: N_("Freeze publishing"),
    Permission.ACCOUNTS_READ: N_("See social accounts"),
    Permission.ACCOUNTS_MANAGE: N_("Manage social accounts"),
    Permission.PEOPLE_READ: N_("See people"),
    Permission.PEOPLE_MANAGE: N_("Manage people"),
    Permission.TOKENS_MANAGE: N_("Manage API tokens"),
    Permission.AUDIT_READ: N_("Read the audit log"),
    Permission.POLICY_READ: N_("Read the policy"),
    Permission.POLICY_MANAGE: N_("Change the policy"),
}
"""Each permission in words (a permission added later shows its id until it gets one)."""


NO_PERSON = dict.fromkeys(("email", "name", "role", "team", "language"), "")
"""The person form's fields, empty."""
NO_ACCOUNT = dict.fromkeys(("kind", "network", "handle", "base_url", "policy_id", "owner_id"), "")
"""The account form's fields, empty."""


@contextmanager
def all_or_nothing(db: Session) -> Iterator[None]:
    """A change that fails with a domain error leaves nothing half-written."""
    with db.begin_nested():
        yield


def _tabs(viewer: Viewer) -> list[dict[str, str]]:
    tabs = [
        (N_("People"), "/admin/people", Permission.PEOPLE_READ),
        (N_("Social accounts"), "/admin/accounts", Permission.ACCOUNTS_READ),
        (N_("API tokens"), "/admin/tokens", Permission.TOKENS_MANAGE),
    ]
    return [{"label": label, "path": path} for label, path, need in tabs if viewer.can(need)]


def _failed(viewer: Viewer, exc: DomainError) -> str:
    return t(viewer, "That was not done: %(reason)s", reason=error_text(viewer, exc))


# --- people --------------------------------------------------------------------------------


def _people_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    *,
    entered: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users = people.list_users(db)
    teams = sorted({u.team.name for u in users if u.team is not None})
    return render(
        request,
        "admin/people.html",
        {
            "tabs": _tabs(viewer),
            "users": users,
            "teams": teams,
            "roles": list(Role),
            "entered": entered
            or {**NO_PERSON, "role": Role.EMPLOYEE.value, "language": LANGUAGES[0]},
            "error": error,
            "min_length": policy_engine(request).policy.security.password_min_length,
            "manage": viewer.can(Permission.PEOPLE_MANAGE),
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/admin/people")
def people_page(request: Request, viewer: PeopleReader, db: DbSession) -> HTMLResponse:
    """Everyone with their role, team, language and state; administrators change them here."""
    return _people_page(request, viewer, db)


@router.post("/admin/people", response_model=None)
def create_person(request: Request, viewer: PeopleManager, form: Form, db: DbSession) -> Response:
    check_csrf(viewer, form)
    entered = {name: field_text(form, name).strip()[:320] for name in NO_PERSON}
    try:
        with all_or_nothing(db):
            user = people.create_user(
                db,
                email=entered["email"],
                name=entered["name"] or entered["email"].split("@")[0],
                role=entered["role"],
                password=field_text(form, "password"),
                team=entered["team"] or None,
                language=entered["language"],
                actor=viewer.actor.email,
                min_length=policy_engine(request).policy.security.password_min_length,
            )
    except DomainError as exc:
        return _people_page(
            request,
            viewer,
            db,
            entered=entered,
            error=_failed(viewer, exc),
            status_code=exc.status,
        )
    return redirect("/admin/people", notice=N_("%(email)s can sign in now."), email=user.email)


@router.post("/admin/people/{user_id}/role", response_model=None)
def change_role(
    request: Request, user_id: IdPath, viewer: PeopleManager, form: Form, db: DbSession
) -> Response:
    check_csrf(viewer, form)
    try:
        with all_or_nothing(db):
            user = people.update_user(
                db, actor=viewer.actor, user_id=user_id, role=field_text(form, "role")
            )
    except NotFound:
        raise
    except DomainError as exc:
        return _people_page(request, viewer, db, error=_failed(viewer, exc), status_code=exc.status)
    token_cache(request).invalidate()  # their tokens' permissions changed with the role
    return redirect("/admin/people", notice=N_("%(email)s's role is saved."), email=user.email)


@router.post("/admin/people/{user_id}/active", response_model=None)
def set_active(
    request: Request, user_id: IdPath, viewer: PeopleManager, form: Form, db: DbSession
) -> Response:
    check_csrf(viewer, form)
    active = field_text(form, "active") == "1"
    try:
        with all_or_nothing(db):
            user = people.update_user(db, actor=viewer.actor, user_id=user_id, active=active)
    except NotFound:
        raise
    except DomainError as exc:
        return _people_page(request, viewer, db, error=_failed(viewer, exc), status_code=exc.status)
    token_cache(request).invalidate()  # a deactivated person's tokens stop working at once
    if active:
        return redirect("/admin/people", notice=N_("%(email)s is active again."), email=user.email)
    return redirect(
        "/admin/people",
        notice=N_("%(email)s is deactivated: they can no longer sign in or use their tokens."),
        email=user.email,
    )


# --- social accounts -----------------------------------------------------------------------


def _accounts_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    *,
    entered: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = accounts.list_accounts(db, actor=viewer.actor)
    manage = viewer.can(Permission.ACCOUNTS_MANAGE)
    users = people.list_users(db) if manage else []
    owners = {u.id: u for u in users}
    if not manage:
        me = people.get_user(db, user_id=viewer.actor.user_id)
        owners[me.id] = me
    freeze = freeze_state(db)
    policy = policy_engine(request).policy
    return render(
        request,
        "admin/accounts.html",
        {
            "tabs": _tabs(viewer),
            "accounts": [_account_row(a, owners) for a in rows],
            "freeze": freeze,
            "manage": manage,
            "users": [u for u in users if u.active],
            "policy_accounts": [{"id": a.id, "network": a.network} for a in policy.accounts],
            "networks": accounts.NETWORKS,
            "entered": entered or {**NO_ACCOUNT, "kind": "brand", "network": "sandbox"},
            "error": error,
        },
        viewer=viewer,
        status_code=status_code,
    )


def _account_row(account: SocialAccount, owners: dict[int, User]) -> dict[str, Any]:
    owner = owners.get(account.owner_id) if account.owner_id is not None else None
    return {
        "id": account.id,
        "kind": account.kind,
        "network": account.network,
        "handle": account.handle,
        "base_url": account.base_url,
        "policy_id": account.policy_id,
        "owner": owner.email if owner else None,
        "has_credentials": account.credentials is not None,
        "needs_credentials": account.network in CREDENTIAL_NAMES,
        "frozen": account.frozen,
    }


def _credentials(network: str, secret: str) -> dict[str, str] | None:
    """The form's one secret field, under the name the network's connector reads."""
    if not secret.strip():
        return None
    return {CREDENTIAL_NAMES.get(network, "token"): secret.strip()}


@router.get("/admin/accounts")
def accounts_page(request: Request, viewer: AccountsReader, db: DbSession) -> HTMLResponse:
    """Brand and personal accounts per network, their credentials (set or not, never shown)
    and whether their publishing is frozen."""
    return _accounts_page(request, viewer, db)


@router.post("/admin/accounts", response_model=None)
def create_account(
    request: Request,
    viewer: AccountsManager,
    form: Form,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    check_csrf(viewer, form)
    entered = {name: field_text(form, name).strip()[:300] for name in NO_ACCOUNT}
    kind = entered["kind"]
    owner = entered["owner_id"]
    try:
        with all_or_nothing(db):
            account = accounts.create_account(
                db,
                actor=viewer.actor,
                policy=policy_engine(request).policy,
                settings=settings,
                kind=kind,
                network=entered["network"],
                handle=entered["handle"],
                base_url=entered["base_url"] or None,
                policy_id=(entered["policy_id"] or None) if kind == "brand" else None,
                owner_id=int(owner) if kind == "personal" and owner.isdigit() else None,
                credentials=_credentials(entered["network"], field_text(form, "secret")),
            )
    except DomainError as exc:
        return _accounts_page(
            request, viewer, db, entered=entered, error=_failed(viewer, exc), status_code=exc.status
        )
    return redirect(
        "/admin/accounts", notice=N_("Account %(handle)s is registered."), handle=account.handle
    )


@router.post("/admin/accounts/{account_id}/credentials", response_model=None)
def replace_credentials(
    request: Request,
    account_id: IdPath,
    viewer: AccountsManager,
    form: Form,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    """New credentials replace the stored ones (which are never shown), or remove them."""
    check_csrf(viewer, form)
    account = accounts.get_account(db, account_id=account_id)
    clear = field_text(form, "do") == "clear"
    try:
        with all_or_nothing(db):
            accounts.update_account(
                db,
                actor=viewer.actor,
                policy=policy_engine(request).policy,
                settings=settings,
                account_id=account.id,
                credentials=None
                if clear
                else _credentials(account.network, field_text(form, "secret")) or {},
                clear_credentials=clear,
            )
    except DomainError as exc:
        return _accounts_page(
            request, viewer, db, error=_failed(viewer, exc), status_code=exc.status
        )
    if clear:
        return redirect(
            "/admin/accounts",
            notice=N_("The credentials of %(handle)s are removed."),
            handle=account.handle,
        )
    return redirect(
        "/admin/accounts",
        notice=N_("The credentials of %(handle)s are replaced."),
        handle=account.handle,
    )


# --- API tokens ----------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    *,
    created: dict[str, str] | None = None,
    entered: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tokens = people.list_tokens(db, actor=viewer.actor)
    owners = {u.id: u.email for u in people.list_users(db)} if viewer.role is Role.ADMIN else {}
    grantable = sorted(GRANTS[viewer.role], key=lambda p: p.value)
    response = render(
        request,
        "admin/tokens.html",
        {
            "tabs": _tabs(viewer),
            "tokens": tokens,
            "owners": owners,
            "scopes": [{"value": p.value, "label": PERMISSION_LABELS.get(p)} for p in grantable],
            "created": created,
            "entered": entered or {"name": "", "scopes": []},
            "error": error,
        },
        viewer=viewer,
        status_code=status_code,
    )
    if created is not None:
        response.headers["Cache-Control"] = "no-store"  # the raw token is on this page only
    return response


@router.get("/admin/tokens")
def tokens_page(request: Request, viewer: TokensManager, db: DbSession) -> HTMLResponse:
    """API tokens (an administrator sees everyone's): create one with some of your role's
    permissions, or revoke one."""
    return _tokens_page(request, viewer, db)


@router.post("/admin/tokens", response_model=None)
def create_token(request: Request, viewer: TokensManager, form: Form, db: DbSession) -> Response:
    check_csrf(viewer, form)
    name = field_text(form, "name").strip()[:120]
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)][:64]
    try:
        if not name:
            raise InvalidInput("name: give the token a name that says what uses it")
        with all_or_nothing(db):
            raw, token = people.create_token(db, owner=viewer.actor, name=name, scopes=scopes)
    except DomainError as exc:
        return _tokens_page(
            request,
            viewer,
            db,
            entered={"name": name, "scopes": scopes},
            error=_failed(viewer, exc),
            status_code=exc.status,
        )
    # Shown once, on this response: only its hash is stored (no redirect: it must not travel
    # in a cookie or a URL).
    return _tokens_page(request, viewer, db, created={"name": token.name, "raw": raw})


@router.post("/admin/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    request: Request, token_id: IdPath, viewer: TokensManager, form: Form, db: DbSession
) -> Response:
    check_csrf(viewer, form)
    try:
        with all_or_nothing(db):
            token = people.revoke_token(db, actor=viewer.actor, token_id=token_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _tokens_page(request, viewer, db, error=_failed(viewer, exc), status_code=exc.status)
    token_cache(request).invalidate()  # this process stops trusting it at once
    return redirect("/admin/tokens", notice=N_("Token %(name)s is revoked."), name=token.name)
