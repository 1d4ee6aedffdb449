"""What ``hashtags serve`` runs in each worker process: the application, warmed up.

``create_app`` stays cheap (tests build hundreds of them); a served process instead pays its
one-off costs before it accepts a connection, so that no request does:

- the policy engine is compiled and run once (a first review would otherwise wait about two
  seconds for it);
- everything loaded so far (the engine's automata and patterns, the libraries behind them,
  about 200,000 objects) is moved out of the garbage collector's reach with ``gc.freeze()``:
  a full collection over them took about 140 ms, a pause that showed as the p99 of the review
  API under load.

Its OpenAPI document also describes the credentials, once, as security schemes.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from fastapi import FastAPI

from hashtags.api.app import create_app
from hashtags.api.deps import CSRF_HEADER, SESSION_COOKIE

log = logging.getLogger(__name__)

WARM_UP_TEXT = "¡Buenos días! Escríbenos a hola@cafeterra.es o llama al 900 123 456 ☕"


def warm_up(app: FastAPI) -> None:
    """Compile the policy engine, review one text, then freeze what is loaded."""
    from hashtags.review.api import app_engine
    from hashtags.review.types import Context

    try:
        app_engine(app).review(WARM_UP_TEXT, Context(account="brand"))
    except Exception as exc:  # a broken policy is reported by the first review, as before
        log.error("warm-up review failed: %s", type(exc).__name__)
    gc.collect()
    gc.freeze()


SECURITY_SCHEMES = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (htg_...), scoped to some permissions: "
        "Authorization: Bearer <token>.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The cookie POST /api/v1/auth/login sets.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "With the session cookie, for requests that change something: the "
        "csrf_token the sign-in returned.",
    },
}


def document_credentials(app: FastAPI) -> None:
    """Describe how to authenticate in the OpenAPI document, once, as security schemes (the
    permission dependency reads the credentials from the request instead of declaring them
    as parameters of every operation: see ``hashtags.api.deps.require``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            schema["security"] = [{"apiToken": []}, {"session": [], "csrf": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_served_app() -> FastAPI:
    """The application for a uvicorn worker process (``factory=True``)."""
    app = create_app()
    document_credentials(app)
    warm_up(app)
    return app
