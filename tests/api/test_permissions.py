"""The permission matrix: every endpoint under /api/v1 against every role.

Generated from the application's route table, so a new endpoint is in the matrix the moment
it is registered: the permission each route requires is read from its dependencies
(``require(Permission.X)``, via ``route_permission``). A route without one must be listed in
``WITHOUT_PERMISSION`` below, with the reason, or ``test_every_route_requires_a_permission``
fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hashtags.api.app import API_PREFIX, create_app
from hashtags.api.deps import route_permission
from hashtags.people.permissions import GRANTS, Permission, Role
from hashtags.settings import Settings
from tests.support.api import Person

WITHOUT_PERMISSION = {
    ("POST", "/auth/login"): "signing in: no one is signed in yet",
    ("POST", "/auth/2fa"): "the second sign-in step, with the password step's cookie",
    ("POST", "/auth/logout"): "anyone signed in may sign out",
    ("GET", "/me"): "anyone signed in may see themselves",
    ("POST", "/me/2fa/setup"): "anyone signed in may set up their own two-factor",
    ("POST", "/me/2fa/enable"): "anyone signed in may turn on their own two-factor",
}
"""Routes that need no permission: only being signed in (or not even that), and why."""

PUBLIC = {("POST", "/auth/login"), ("POST", "/auth/2fa")}
"""Routes that work without signing in."""

MISSING_ID = "987654321"
"""Fills every path parameter: no row has this id, so allowed roles get a 404 at worst."""


def _dependency_calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependency_calls(sub)


def _routes() -> list[tuple[str, str, Permission | None]]:
    """(method, path under the prefix, required permission) for every API route."""
    app = create_app(Settings(env="test", database_url="sqlite://", secret_key="route-table"))
    # FastAPI 0.13x+ keeps included routers nested; iter_route_contexts flattens them with
    # their prefixes and router-level dependencies (older versions list routes flat).
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    table = []
    for route in flatten(app.routes) if flatten else app.routes:
        path = route.path or ""
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        if not path.startswith(API_PREFIX + "/"):
            continue
        permission = route_permission(list(_dependency_calls(route.dependant)))
        for method in sorted(route.methods or ()):
            table.append((method, path.removeprefix(API_PREFIX), permission))
    return table


ROUTES = _routes()
IDS = [f"{method} {path}" for method, path, _ in ROUTES]


def _url(path: str, value: str) -> str:
    app_path = API_PREFIX + path
    while "{" in app_path:
        start = app_path.index("{")
        app_path = app_path[:start] + value + app_path[app_path.index("}", start) + 1 :]
    return app_path


def _call(client: TestClient, method: str, path: str, value: str, headers: dict[str, str]) -> Any:
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, _url(path, value), headers=headers, **body)


def test_the_route_table_is_read() -> None:
    found = {(m, p) for m, p, _ in ROUTES}
    assert ("POST", "/review") in found and ("GET", "/audit/events") in found
    assert dict((m, perm) for m, p, perm in ROUTES if p == "/review")["POST"] == (
        Permission.REVIEW_TEXT
    )


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES, ids=IDS)
def test_every_route_requires_a_permission(
    method: str, path: str, permission: Permission | None
) -> None:
    if permission is None:
        assert (method, path) in WITHOUT_PERMISSION, (
            f"{method} {API_PREFIX}{path} has no require(Permission.X) dependency: add one "
            "(actor: Annotated[Actor, require(Permission.X)]), or list it in WITHOUT_PERMISSION "
            "with the reason if every signed-in person may call it"
        )
    else:
        assert (method, path) not in WITHOUT_PERMISSION, (
            f"{method} {path} requires {permission.value}: remove it from WITHOUT_PERMISSION"
        )


def test_the_allow_list_names_only_real_routes() -> None:
    stale = set(WITHOUT_PERMISSION) - {(m, p) for m, p, _ in ROUTES}
    assert not stale, f"WITHOUT_PERMISSION lists routes that do not exist: {sorted(stale)}"


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES, ids=IDS)
def test_each_role_is_allowed_or_refused(
    client: TestClient,
    people: dict[Role, Person],
    method: str,
    path: str,
    permission: Permission | None,
) -> None:
    """Refused roles get 403 with the permission named; allowed roles anything but that."""
    refused_all = []
    for role, person in people.items():
        allowed = permission is None or permission in GRANTS[role]
        denial = f"your role ({role.value}) may not {permission.value}" if permission else None
        if allowed:
            response = _call(client, method, path, MISSING_ID, person.headers)
            assert response.status_code < 500, f"{role.value}: {response.text}"
            if response.status_code == 403:
                assert response.json().get("detail") != denial, (
                    f"{role.value} holds {permission} but {method} {path} refused it"
                )
            assert response.status_code != 401, f"{role.value}: {response.text}"
        else:
            # Existing-looking and missing ids alike: the check comes before any lookup.
            for value in ("1", MISSING_ID):
                response = _call(client, method, path, value, person.headers)
                assert response.status_code == 403, (
                    f"{role.value} lacks {permission} but {method} {path} answered "
                    f"{response.status_code}: {response.text}"
                )
                assert response.json() == {"detail": denial}
            refused_all.append(role)
    if permission is not None:
        assert refused_all == [r for r in Role if permission not in GRANTS[r]]


NON_PUBLIC = [r for r in ROUTES if (r[0], r[1]) not in PUBLIC]


@pytest.mark.parametrize(
    ("method", "path", "permission"), NON_PUBLIC, ids=[f"{m} {p}" for m, p, _ in NON_PUBLIC]
)
def test_anonymous_callers_are_refused(
    client: TestClient, method: str, path: str, permission: Permission | None
) -> None:
    response = _call(client, method, path, MISSING_ID, {})
    assert response.status_code == 401, response.text
    assert response.json()["detail"]
