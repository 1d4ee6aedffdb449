"""Mounts the web app on the service: static files, Plotly's script, every page module."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from hashtags.errors import DomainError, InvalidInput, Listing, Message, Unauthorized
from hashtags.policy.loader import describe
from hashtags.web.deps import Redirect, render, visitor_language
from hashtags.web.messages import localized

log = logging.getLogger(__name__)

STATIC_PREFIX = "/static"


def plotly_script() -> Path:
    """Plotly's JavaScript, as carried by the ``plotly`` Python package (never a CDN)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise RuntimeError(f"plotly.min.js is missing from the plotly package ({path})")
    return path


def mount_web(app: FastAPI) -> None:
    from hashtags.web.pages import discover

    # Before the static mount, which would otherwise answer (404) for this path.
    @app.get(STATIC_PREFIX + "/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_script(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    static = files("hashtags.web").joinpath("static")
    app.mount(STATIC_PREFIX, StaticFiles(directory=str(static)), name="static")

    for module in discover():
        app.include_router(module.router, include_in_schema=False)

    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect) -> RedirectResponse:
        return RedirectResponse(exc.location, status_code=303)


def is_page(request: Request) -> bool:
    """Requests for pages get HTML errors; the API (and anything else) keeps JSON."""
    path = request.url.path
    return not (path.startswith("/api/") or path.startswith(STATIC_PREFIX))


SOURCES = frozenset({"path", "query", "body", "form", "header", "cookie"})
"""Where FastAPI says a value came from: left out of the field's name on pages."""


def request_problems(errors: Sequence[Mapping[str, Any]], *, api: bool = False) -> list[Message]:
    """FastAPI's validation errors as messages we translate, one per field: ``field: what is
    wrong`` (the same words as the policy editor's, ``policy.loader.describe``). On pages the
    field is named without where it came from; the API keeps ``query.`` and the like, and
    leaves out only ``body``."""
    said = []
    for err in errors:
        whole = [str(part) for part in err.get("loc", ())]
        if api:
            loc = [part for part in whole if part != "body"]
        else:
            loc = whole[1:] if whole and whole[0] in SOURCES else whole
        if not loc or loc[0].isdigit():  # the body itself (missing, or not JSON at a position)
            loc = whole
        found = err.get("input")
        if isinstance(found, str) and len(found) > 80:  # a long text is not echoed back whole
            err = {**err, "input": found[:80] + "…"}
        field = ".".join(loc) or "?"
        said.append(Message("%(field)s: %(problem)s", field=field, problem=describe(err)))
    return said


def invalid_request(errors: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """FastAPI's validation errors for a page (a value in the address or a form that is not
    what the page takes) as one error naming each field, in words we translate."""
    problems = Listing(request_problems(errors))
    return InvalidInput("Some values are not valid:\n%(problems)s", problems=problems)


def error_page(request: Request, exc: Exception) -> Response:
    """A domain error, an address no route answers (404, 405) or an unexpected failure on a
    page, as a page in the visitor's language."""
    if isinstance(exc, Unauthorized):
        return RedirectResponse("/login", status_code=303)
    if isinstance(exc, DomainError):
        status = exc.status
    elif isinstance(exc, HTTPException):
        status = exc.status_code
    else:
        status = 500
    # The page is in the visitor's language (the signed-in person's, set at sign-in).
    message = localized(visitor_language(request), exc) if isinstance(exc, DomainError) else None
    try:
        return render(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    except Exception:  # the error page itself failed: plain text, still no stack trace
        log.exception("the error page could not be rendered")
        return HTMLResponse("Error", status_code=status)
