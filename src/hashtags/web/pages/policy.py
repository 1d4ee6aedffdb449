"""The policy: the document everyone reads (es/en), and for admins and compliance the editor
(validation at the line, a preview on recent posts, saving a version) and the version history.

A saved version is in force at once in this process and within seconds in every other one
(``hashtags.policy.active``); the editor refuses a text that does not load, and a save that
would silently undo a version someone else saved meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hashtags.api.deps import DbSession, IdPath, SettingsDep
from hashtags.errors import DomainError
from hashtags.people.permissions import Permission
from hashtags.policy import Problem, versions
from hashtags.policy.active import enforced_policy
from hashtags.policy.render import render_policy
from hashtags.review.api import policy_engine
from hashtags.review.engine import Engine
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
from hashtags.web.messages import localized

router = APIRouter()
NAV = [NavItem(N_("Policy"), "/policy", Permission.POLICY_READ, order=60)]
Reader = Annotated[Viewer, page(Permission.POLICY_READ)]
Manager = Annotated[Viewer, page(Permission.POLICY_MANAGE)]

PREVIEW_SIZES = (20, 50, 100, 200)
"""How many recent posts the preview may review (a choice, so that it stays quick)."""
ACTIONS = ("validate", "preview", "save")


# --- the document --------------------------------------------------------------------------

_documents: dict[tuple[int, str], tuple[Engine, Markup]] = {}


def _document(engine: Engine, lang: str) -> Markup:
    """The rendered document's body, once per engine and language."""
    key = (id(engine), lang)
    cached = _documents.get(key)
    if cached is not None and cached[0] is engine:
        return cached[1]
    page_html = render_policy(engine.policy, lang=lang, fmt="html")
    # render_policy writes a standalone page; the app's page has its own head and styles.
    body = page_html.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    if len(_documents) > 8:
        _documents.clear()
    document = Markup(body)  # built by render_policy, which escapes every text it writes
    _documents[key] = (engine, document)
    return document


def _in_force(request: Request, db: Session, settings: Any) -> dict[str, Any]:
    """What the page says about the policy in force: a saved version, the file or the demo."""
    number = enforced_policy(request.app).number
    if number is None:
        return {"number": None, "origin": versions.base_source(settings).origin}
    version = versions.get_version(db, number=number)
    return {
        "number": number,
        "origin": "version",
        "author": version.author,
        "at": version.created_at,
        "comment": version.comment,
    }


@router.get("/policy")
def policy_page(
    request: Request, viewer: Reader, db: DbSession, settings: SettingsDep
) -> HTMLResponse:
    """The policy document in the viewer's language, with a switch for the other."""
    asked = request.query_params.get("lang")
    lang = asked if asked in LANGUAGES else viewer.lang
    engine = policy_engine(request)
    return render(
        request,
        "policy/document.html",
        {
            "document": _document(engine, lang),
            "doc_lang": lang,
            "in_force": _in_force(request, db, settings),
        },
        viewer=viewer,
    )


# --- the editor ----------------------------------------------------------------------------


@dataclass
class EditorState:
    source: str
    base: int | None
    comment: str = ""
    limit: int = 50
    problems: list[Problem] | None = None
    warnings: list[Problem] | None = None
    valid: bool = False
    preview: versions.Preview | None = None
    error: str | None = None
    restored_from: int | None = None


def _editor(
    request: Request, viewer: Viewer, state: EditorState, *, status_code: int = 200
) -> HTMLResponse:
    lines = state.source.splitlines()
    problems = [
        {
            "line": p.line,
            "key": p.key,
            "message": localized(viewer.lang, p),
            "text": lines[p.line - 1][:160] if p.line and 0 < p.line <= len(lines) else None,
        }
        for p in state.problems or []
    ]
    warnings = [
        {"line": p.line, "key": p.key, "message": localized(viewer.lang, p)}
        for p in state.warnings or []
    ]
    error_lines = sorted({p["line"] for p in problems if p["line"]})
    return render(
        request,
        "policy/edit.html",
        {
            "state": state,
            "problems": problems,
            "warnings": warnings,
            "error_lines": " ".join(str(n) for n in error_lines),
            "line_count": max(len(lines), 1),
            "preview_sizes": PREVIEW_SIZES,
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/policy/edit")
def edit_page(
    request: Request, viewer: Manager, db: DbSession, settings: SettingsDep
) -> HTMLResponse:
    """The policy in force as YAML, ready to edit (``?from=N``: start from version N)."""
    current = versions.current_source(db, settings=settings)
    state = EditorState(source=current.text, base=current.number)
    restore = request.query_params.get("from", "")
    if restore.isdigit() and len(restore) < 10:
        old = versions.get_version(db, number=int(restore))
        if old.number != current.number:
            state.source, state.restored_from = old.source, old.number
    return _editor(request, viewer, state)


def _base(form: FormData) -> int | None:
    value = field_text(form, "base").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _limit(form: FormData) -> int:
    value = field_text(form, "limit").strip()
    return int(value) if value.isdigit() and int(value) in PREVIEW_SIZES else 50


@router.post("/policy/edit", response_model=None)
def edit(
    request: Request, viewer: Manager, form: Form, db: DbSession, settings: SettingsDep
) -> Response:
    """Validate, preview on recent posts, or save the edited text as a new version."""
    check_csrf(viewer, form)
    # Browsers send the textarea with CRLF line ends; the policy is stored as it is typed.
    source = field_text(form, "source").replace("\r\n", "\n")
    state = EditorState(
        source=source, base=_base(form), comment=field_text(form, "comment"), limit=_limit(form)
    )
    action = field_text(form, "action")
    action = action if action in ACTIONS else "validate"
    engine = policy_engine(request)
    if action == "save":
        return _save(request, viewer, db, settings, state)
    try:
        checked = versions.check_source(source, in_force=engine.policy)
    except versions.InvalidPolicy as exc:
        state.problems = exc.problems
        return _editor(request, viewer, state, status_code=422)
    state.valid, state.warnings = True, checked.warnings
    if action == "preview":
        state.preview = versions.preview_change(
            db, actor=viewer.actor, old=engine, new=checked.engine, limit=state.limit
        )
    return _editor(request, viewer, state)


def _save(
    request: Request, viewer: Viewer, db: Session, settings: Any, state: EditorState
) -> Response:
    try:
        with db.begin_nested():  # a refused save leaves nothing behind
            version = versions.save_version(
                db,
                actor=viewer.actor,
                source=state.source,
                comment=state.comment,
                settings=settings,
                base=state.base,
            )
    except versions.InvalidPolicy as exc:
        state.problems = exc.problems
        return _editor(request, viewer, state, status_code=422)
    except DomainError as exc:
        state.error = t(
            viewer, "The policy was not saved: %(reason)s", reason=error_text(viewer, exc)
        )
        return _editor(request, viewer, state, status_code=exc.status)
    # This process enforces it from its next request; the others within seconds.
    enforced_policy(request.app).recheck()
    return redirect(
        f"/policy/history/{version.number}",
        notice=N_("Version %(number)s of the policy is saved and in force."),
        number=version.number,
    )


# --- history -------------------------------------------------------------------------------


@router.get("/policy/history")
def history_page(
    request: Request, viewer: Manager, db: DbSession, settings: SettingsDep
) -> HTMLResponse:
    """Every saved version, newest first, and what was in force before the first one."""
    return render(
        request,
        "policy/history.html",
        {
            "versions": versions.list_versions(db),
            "base_origin": versions.base_source(settings).origin,
            "enforced": enforced_policy(request.app).number,
        },
        viewer=viewer,
    )


@router.get("/policy/history/{number}")
def version_page(
    request: Request, number: IdPath, viewer: Manager, db: DbSession, settings: SettingsDep
) -> HTMLResponse:
    """One version: who saved it, why, and what it changed against the one before."""
    version = versions.get_version(db, number=number)
    newest = versions.newest_number(db)
    return render(
        request,
        "policy/version.html",
        {
            "version": version,
            "diff": versions.diff_version(db, number=number, settings=settings),
            "newest": newest,
            "base_origin": versions.base_source(settings).origin,
        },
        viewer=viewer,
    )
