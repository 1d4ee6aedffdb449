"""Sign-in, the two-factor step and its set-up, sign-out, and the language switch."""

from __future__ import annotations

import io
import secrets

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from hashtags.api.deps import (
    SESSION_COOKIE,
    DbSession,
    SettingsDep,
    set_session_cookie,
    writes_on_read,
)
from hashtags.errors import DomainError, Forbidden
from hashtags.people import service
from hashtags.people.service import session_actor
from hashtags.web.deps import (
    PRELOGIN_COOKIE,
    TWO_FACTOR_SETUP,
    Form,
    NavItem,
    SignedIn,
    check_csrf,
    field_text,
    redirect,
    render,
    t,
    visitor_language,
)
from hashtags.web.i18n import LANG_COOKIE, LANGUAGES, N_, gettext, pick_language

router = APIRouter()
NAV: list[NavItem] = []

YEAR = 365 * 24 * 3600


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (open-redirect guard)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _prelogin(request: Request) -> str:
    return request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)


def _login_page(
    request: Request, *, error: str | None = None, email: str = "", status_code: int = 200
) -> HTMLResponse:
    token = _prelogin(request)
    response = render(
        request,
        "auth/login.html",
        {
            "error": error,
            "email": email,
            "form_token": token,
            "next": safe_next(request.query_params.get("next")),
        },
        status_code=status_code,
    )
    response.set_cookie(PRELOGIN_COOKIE, token, httponly=True, samesite="strict")
    return response


def _check_prelogin(request: Request, form_token: str) -> bool:
    cookie = request.cookies.get(PRELOGIN_COOKIE)
    return bool(cookie) and secrets.compare_digest(cookie or "", form_token)


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login", response_model=None)
def login(request: Request, form: Form, db: DbSession, settings: SettingsDep) -> Response:
    email = field_text(form, "email").strip()
    lang = visitor_language(request)
    if not _check_prelogin(request, field_text(form, "form_token")):
        return _login_page(
            request,
            email=email,
            error=gettext(lang, "This form has expired: please try again."),
            status_code=403,
        )
    try:
        user = service.authenticate(
            db, email=email, password=field_text(form, "password"), settings=settings
        )
    except Forbidden:
        return _login_page(
            request,
            email=email,
            error=gettext(lang, "Too many failed sign-ins: try again later."),
            status_code=403,
        )
    except DomainError:
        return _login_page(
            request, email=email, error=gettext(lang, "Wrong e-mail or password."), status_code=401
        )
    token, web_session = service.start_session(db, user=user, settings=settings)
    target = safe_next(field_text(form, "next"))
    if not web_session.second_factor_done:
        target = f"/login/two-factor?next={target}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token, settings)
    response.set_cookie(LANG_COOKIE, pick_language(user.language), max_age=YEAR, samesite="lax")
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


@router.get("/login/two-factor", response_model=None)
def second_factor_page(request: Request, db: DbSession) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return RedirectResponse("/login", status_code=303)
    try:
        _, web_session = session_actor(db, token=cookie, allow_pending_2fa=True)
    except DomainError:
        return RedirectResponse("/login", status_code=303)
    return render(
        request,
        "auth/two_factor.html",
        {
            "error": None,
            "csrf_token": web_session.csrf_token,
            "next": safe_next(request.query_params.get("next")),
        },
    )


@router.post("/login/two-factor", response_model=None)
def second_factor(request: Request, form: Form, db: DbSession, settings: SettingsDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return RedirectResponse("/login", status_code=303)
    try:
        _, web_session = session_actor(db, token=cookie, allow_pending_2fa=True)
    except DomainError:
        return RedirectResponse("/login", status_code=303)
    if not secrets.compare_digest(field_text(form, "csrf_token"), web_session.csrf_token):
        return RedirectResponse("/login", status_code=303)
    lang = visitor_language(request)
    try:
        service.complete_second_factor(
            db, web_session=web_session, code=field_text(form, "code"), settings=settings
        )
    except DomainError:
        return render(
            request,
            "auth/two_factor.html",
            {
                "error": gettext(lang, "That code is not valid. Check your authenticator's clock."),
                "csrf_token": web_session.csrf_token,
                "next": safe_next(field_text(form, "next")),
            },
            status_code=401,
        )
    return RedirectResponse(safe_next(field_text(form, "next")), status_code=303)


@router.post("/logout")
def logout(request: Request, viewer: SignedIn, form: Form, db: DbSession) -> RedirectResponse:
    check_csrf(viewer, form)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.end_session(db, token=cookie)
    response = redirect("/login", notice=N_("You have signed out."))
    response.delete_cookie(SESSION_COOKIE)
    return response


def _secret_of(uri: str) -> str:
    """The base32 secret in a provisioning URI, grouped by four for typing it by hand."""
    from urllib.parse import parse_qs, urlparse

    secret = parse_qs(urlparse(uri).query).get("secret", [""])[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(uri: str) -> Markup:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return Markup(out.getvalue().decode())  # segno's own SVG: no user text in it


@router.get(TWO_FACTOR_SETUP)
@writes_on_read  # begin_totp stores the secret it shows
def two_factor_setup_page(
    request: Request, viewer: SignedIn, db: DbSession, settings: SettingsDep
) -> HTMLResponse:
    user = service.get_user(db, user_id=viewer.actor.user_id)
    context: dict[str, object] = {"enabled": user.totp_enabled, "error": None}
    if not user.totp_enabled:
        uri = service.begin_totp(db, user=user, settings=settings)
        secret = _secret_of(uri)
        context.update(qr=_qr_svg(uri), secret=secret, uri=uri)
    return render(request, "auth/two_factor_setup.html", context, viewer=viewer)


@router.post(TWO_FACTOR_SETUP, response_model=None)
def two_factor_enable(
    request: Request, viewer: SignedIn, form: Form, db: DbSession, settings: SettingsDep
) -> Response:
    check_csrf(viewer, form)
    user = service.get_user(db, user_id=viewer.actor.user_id)
    try:
        service.enable_totp(db, user=user, code=field_text(form, "code"), settings=settings)
    except DomainError:
        # A failed code keeps the secret already shown (the person scanned it): show it again.
        uri = service.totp_uri(user, settings)
        secret = _secret_of(uri)
        return render(
            request,
            "auth/two_factor_setup.html",
            {
                "enabled": False,
                "error": t(viewer, "That code is not valid. Check your authenticator's clock."),
                "qr": _qr_svg(uri) if uri else None,
                "secret": secret,
                "uri": uri,
            },
            viewer=viewer,
            status_code=422,
        )
    return redirect("/", notice=N_("Two-factor authentication is on."))


@router.post("/language", response_model=None)
def switch_language(request: Request, form: Form, db: DbSession) -> Response:
    """Remembered per person when signed in (their profile), else in a cookie."""
    lang = field_text(form, "lang")
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            actor, web_session = session_actor(db, token=cookie)
        except DomainError:
            pass
        else:
            if not secrets.compare_digest(field_text(form, "csrf_token"), web_session.csrf_token):
                raise Forbidden(
                    "this form has expired (missing or wrong CSRF token): reload the page"
                )
            service.get_user(db, user_id=actor.user_id).language = lang
    response = RedirectResponse(safe_next(field_text(form, "next")), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, samesite="lax")
    return response
