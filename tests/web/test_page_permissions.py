"""Every page against every role, generated from the route table (as for the API).

A page declares its permission with ``page(Permission.X)``; one that needs only a signed-in
person uses ``SignedIn`` and must be listed in ``SIGNED_IN_ONLY`` with the reason. Public pages
(sign-in) are listed in ``PUBLIC``. A new page is in the matrix the moment it is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from tests.support.web import Browser

from hashtags.api.app import API_PREFIX, create_app
from hashtags.api.deps import route_permission
from hashtags.people.permissions import GRANTS, Permission, Role
from hashtags.settings import Settings
from hashtags.web.app import STATIC_PREFIX
from hashtags.web.deps import current_viewer

PUBLIC = {
    ("GET", "/login"): "the sign-in form",
    ("POST", "/login"): "signing in",
    ("GET", "/login/two-factor"): "the second sign-in step, with the password step's cookie",
    ("POST", "/login/two-factor"): "the second sign-in step",
    ("POST", "/language"): "anyone may choose a language, signed in or not",
}
MISSING_ID = "987654321"


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _pages() -> list[tuple[str, str, Permission | None, bool]]:
    """(method, path, permission, needs sign-in) for every page route."""
    app = create_app(Settings(env="test", database_url="sqlite://", secret_key="route-table"))
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    table = []
    for route in flatten(app.routes) if flatten else app.routes:
        path = route.path or ""
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        if (
            path.startswith(API_PREFIX)
            or path.startswith(STATIC_PREFIX)
            or path in ("/healthz", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc")
        ):
            continue
        calls = list(_calls(route.dependant))
        permission = route_permission(calls)
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            table.append((method, path, permission, current_viewer in calls))
    return table


PAGES = _pages()
IDS = [f"{m} {p}" for m, p, _, _ in PAGES]


def _url(path: str) -> str:
    while "{" in path:
        start = path.index("{")
        path = path[:start] + MISSING_ID + path[path.index("}", start) + 1 :]
    return path


def test_there_are_pages() -> None:
    assert len(PAGES) >= 8


@pytest.mark.parametrize(("method", "path", "permission", "signed"), PAGES, ids=IDS)
def test_every_page_requires_sign_in_or_is_public(
    method: str, path: str, permission: Permission | None, signed: bool
) -> None:
    if (method, path) in PUBLIC:
        assert permission is None
        return
    assert signed, f"{method} {path} is neither public nor behind sign-in"


@pytest.mark.parametrize(("method", "path", "permission", "signed"), PAGES, ids=IDS)
def test_signed_out_visitors_are_sent_to_sign_in(
    browser: Callable[[], Browser],
    method: str,
    path: str,
    permission: Permission | None,
    signed: bool,
) -> None:
    if (method, path) in PUBLIC:
        return
    response = browser().client.request(method, _url(path), data={})
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_role_gets_what_its_permissions_allow(
    signed_in: Callable[[Role], Browser], role: Role
) -> None:
    me = signed_in(role)
    problems = []
    for method, path, permission, _signed in PAGES:
        if (method, path) in PUBLIC or path == "/logout":
            continue
        data = {"csrf_token": me.csrf}
        response = me.client.request(method, _url(path), data=data if method == "POST" else None)
        allowed = permission is None or permission in GRANTS[role]
        if response.status_code >= 500:
            problems.append(f"{method} {path}: {response.status_code}")
        elif allowed and response.status_code == 403:
            problems.append(f"{method} {path}: 403 but {role.value} holds {permission}")
        elif not allowed and response.status_code != 403:
            problems.append(f"{method} {path}: {response.status_code}, expected 403")
    assert not problems, "\n".join(problems)
