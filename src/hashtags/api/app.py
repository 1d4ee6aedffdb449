"""The FastAPI application factory: routers under ``/api/v1``, errors mapped in one place."""

from __future__ import annotations

import logging
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashtags import __version__
from hashtags.errors import DomainError
from hashtags.settings import Settings
from hashtags.storage.db import make_engine, make_sessionmaker
from hashtags.web.app import error_page, invalid_request, is_page, mount_web, request_problems
from hashtags.web.messages import api_language, localized

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
ROUTERS = (
    "hashtags.people.api:router",
    "hashtags.review.api:router",
    "hashtags.audit.api:router",
    "hashtags.accounts.api:router",
    "hashtags.posts.api:router",
    "hashtags.approvals.api:router",
    "hashtags.crisis.api:router",
    "hashtags.publishing.api:router",
)
"""Each domain's router, included in this order. A new domain adds one line here."""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="HASHTAGS",
        version=__version__,
        description="Your social media policy, executable.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = factory or make_sessionmaker(engine)

    for target in ROUTERS:
        module_name, _, attr = target.partition(":")
        app.include_router(getattr(import_module(module_name), attr), prefix=API_PREFIX)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        if is_page(request):
            return error_page(request, exc)
        # English unless the caller asks for Spanish (Accept-Language), as a browser does.
        lang = api_language(request.headers.get("accept-language"))
        return JSONResponse({"detail": localized(lang, exc)}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # An address no route answers, or a method it does not take: a page for pages.
        if is_page(request) and exc.status_code >= 400:
            return error_page(request, exc)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if is_page(request):  # the error page, naming each field, in the visitor's language
            return error_page(request, invalid_request(exc.errors()))
        # Each field and what is wrong with it, in the caller's language as for domain errors.
        lang = api_language(request.headers.get("accept-language"))
        problems = [localized(lang, said) for said in request_problems(exc.errors(), api=True)]
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, 422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Never a stack trace (or a post's text) to the caller; the log names the route.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        if is_page(request):
            return error_page(request, exc)
        return JSONResponse({"detail": "internal error; it has been logged"}, 500)

    mount_web(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
