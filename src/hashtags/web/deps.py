"""What every page needs: the signed-in viewer, rendering in their language, CSRF, notices.

Pages never trust the browser: every page declares the permission it needs with
``page(Permission.X)`` (or ``signed_in`` when being signed in is enough), and form posts carry
the session's CSRF token, checked by ``check_csrf``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from hashtags.api.deps import SESSION_COOKIE, DbSession
from hashtags.errors import DomainError, Forbidden, Translatable
from hashtags.people.models import User
from hashtags.people.permissions import Permission, Role
from hashtags.people.service import Actor, session_actor
from hashtags.web.i18n import (
    LANG_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    pick_language,
    translations,
)
from hashtags.web.messages import localized, say, stored

FLASH_COOKIE = "hashtags_notice"
PRELOGIN_COOKIE = "hashtags_prelogin"
"""Double-submit CSRF token for the sign-in forms, before any session exists."""


class Redirect(Exception):
    """Raised by dependencies to send the browser elsewhere (sign-in, two-factor set-up)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the navigation bar, shown to people holding ``permission``."""

    label: str
    """English text (translated when shown)."""
    path: str
    permission: Permission | None = None
    order: int = 50


@dataclass(slots=True)
class Viewer:
    """The person looking at a page."""

    actor: Actor
    name: str
    lang: str
    csrf_token: str
    team: str | None = None
    totp_enabled: bool = False
    nav: list[NavItem] = field(default_factory=list)

    def can(self, permission: Permission | str) -> bool:
        return self.actor.can(Permission(permission))

    @property
    def role(self) -> Role:
        return self.actor.role


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.COMPLIANCE: N_("Compliance (message approval)"),
    Role.CRISIS_RESPONSE: N_("Crisis response"),
    Role.CUSTOMER_SERVICE: N_("Customer service"),
    Role.PR: N_("Public relations"),
    Role.SOCIAL_ENGAGEMENT: N_("Social engagement"),
    Role.EMPLOYEE: N_("Employee"),
}
"""Each role's name for people (translated when shown)."""

# --- rendering -----------------------------------------------------------------------------


@cache
def environment(lang: str) -> Environment:
    """One Jinja2 environment per language, with that language's catalogue installed."""
    env = Environment(
        loader=PackageLoader("hashtags.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES, ROLE_LABELS=ROLE_LABELS, lang=lang
    )
    env.filters["when"] = _when
    env.filters["target_error"] = lambda target: stored(lang, target.error_said, target.error)
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def _when(value: datetime | None, style: str = "datetime") -> str:
    if value is None:
        return "—"
    if style == "date":
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M") + " UTC"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page in the viewer's language (or the visitor's, before sign-in)."""
    lang = viewer.lang if viewer else visitor_language(request)
    notice = _read_flash(request)
    page = environment(lang).get_template(template)
    html = page.render(
        request=request,
        viewer=viewer,
        notice=notice,
        path=request.url.path,
        **(context or {}),
    )
    response = HTMLResponse(html, status_code=status_code)
    if notice is not None:
        response.delete_cookie(FLASH_COOKIE)
    return response


def visitor_language(request: Request) -> str:
    return pick_language(
        request.cookies.get(LANG_COOKIE), accept=request.headers.get("accept-language")
    )


def t(viewer: Viewer | None, message: str, **values: Any) -> str:
    """``message`` (English) in the viewer's language, with ``%(name)s`` values filled in."""
    return say(viewer.lang if viewer else LANGUAGES[0], message, values)


def error_text(viewer: Viewer | None, error: Translatable) -> str:
    """What a service's error says, in the viewer's language."""
    return localized(viewer.lang if viewer else LANGUAGES[0], error)


# --- notices after a redirect --------------------------------------------------------------


def redirect(location: str, *, notice: str | None = None, **values: Any) -> RedirectResponse:
    """A 303 to ``location``; ``notice`` (English, translated when shown) appears there once."""
    response = RedirectResponse(location, status_code=303)
    if notice is not None:
        payload = json.dumps({"message": notice, "values": values}, ensure_ascii=True)
        response.set_cookie(FLASH_COOKIE, quote(payload), httponly=True, samesite="lax")
    return response


def _read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    from urllib.parse import unquote

    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    values = data.get("values") if isinstance(data.get("values"), dict) else {}
    return {"message": data["message"], "values": values}


# --- who is looking ------------------------------------------------------------------------


def _nav_items() -> list[NavItem]:
    from hashtags.web.pages import discover

    items = [item for module in discover() for item in getattr(module, "NAV", ())]
    return sorted(items, key=lambda item: (item.order, item.path))


TWO_FACTOR_SETUP = "/account/two-factor"
"""Where people whose role needs two-factor authentication are sent until it is on."""


def two_factor_roles(request: Request) -> set[str]:
    from hashtags.review.api import policy_engine

    return {str(role) for role in policy_engine(request).policy.security.two_factor_roles}


def current_viewer(request: Request, db: DbSession) -> Viewer:
    """The signed-in person; the sign-in page (or the two-factor step) otherwise."""
    cookie = request.cookies.get(SESSION_COOKIE)
    next_url = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if not cookie:
        raise Redirect(f"/login?next={next_url}")
    try:
        actor, web_session = session_actor(db, token=cookie, allow_pending_2fa=True)
    except DomainError:
        raise Redirect(f"/login?next={next_url}") from None
    if not web_session.second_factor_done:
        raise Redirect(f"/login/two-factor?next={next_url}")
    user = db.get(User, actor.user_id)
    assert user is not None  # session_actor checked it
    viewer = Viewer(
        actor=actor,
        name=user.name,
        lang=pick_language(user.language),
        csrf_token=web_session.csrf_token,
        team=user.team.name if user.team else None,
        totp_enabled=user.totp_enabled,
    )
    viewer.nav = [i for i in _nav_items() if i.permission is None or viewer.can(i.permission)]
    if (
        not user.totp_enabled
        and actor.role.value in two_factor_roles(request)
        and request.url.path != TWO_FACTOR_SETUP
    ):
        raise Redirect(TWO_FACTOR_SETUP)
    return viewer


SignedIn = Annotated[Viewer, Depends(current_viewer)]
"""A page anyone signed in may see."""


def page(permission: Permission) -> Any:
    """A dependency: the viewer, if they hold ``permission``; a 403 page otherwise."""

    def check(viewer: SignedIn) -> Viewer:
        if not viewer.can(permission):
            raise Forbidden(
                "your role (%(role)s) may not %(permission)s",
                role=viewer.role.value,
                permission=permission.value,
            )
        return viewer

    check.permission = permission  # type: ignore[attr-defined]
    return Depends(check)


# --- forms ---------------------------------------------------------------------------------


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def check_csrf(viewer: Viewer, form: FormData) -> None:
    """Form posts carry the session's CSRF token in a hidden ``csrf_token`` field."""
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, viewer.csrf_token):
        raise Forbidden("this form has expired (missing or wrong CSRF token): reload the page")


def field_text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def field_ints(form: FormData, name: str) -> list[int]:
    out = []
    for value in form.getlist(name):
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
            out.append(int(value))
    return out
