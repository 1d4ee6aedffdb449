"""Property tests of the whole API from its OpenAPI schema (Schemathesis), in-process.

Every operation gets generated input, valid and invalid, from an admin: no input may cause a
server error, and every refusal is a 4xx whose ``detail`` says what is wrong. A new admin is
made whenever a generated request revoked, disabled or demoted the last one, so such a request
cannot lock the rest of the run out.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlalchemy.orm import Session, sessionmaker

from hashtags.api.app import create_app
from hashtags.people import service
from hashtags.people.models import ApiToken, User
from hashtags.people.permissions import GRANTS, Role
from hashtags.settings import Settings
from tests.support.api import PASSWORD

MAX_EXAMPLES = 8
"""Per operation and generation mode: enough to find the crashes, quick on two cores."""

CREDENTIAL_HEADERS = {"authorization", "x-csrf-token"}


@pytest.fixture
def admin_headers(factory: sessionmaker[Session]) -> Callable[[], dict[str, str]]:
    """An admin's token; a new admin whenever a generated request disabled, demoted or
    revoked the last one (generated ids do hit real rows)."""
    numbers = count()
    current: dict[str, Any] = {}

    def still_valid(db: Session) -> bool:
        token = db.get(ApiToken, current["token_id"]) if current else None
        user = db.get(User, token.user_id) if token else None
        return bool(
            user
            and token
            and user.active
            and user.role == Role.ADMIN.value
            and token.revoked_at is None
        )

    def headers() -> dict[str, str]:
        with factory() as db, db.begin():
            if not still_valid(db):
                email = f"fuzz-admin-{next(numbers)}@cafeterra.es"
                user = service.create_user(
                    db, email=email, name="Fuzz", role=Role.ADMIN, password=PASSWORD, actor="test"
                )
                actor = service.Actor(user.id, email, Role.ADMIN, "session")
                raw, token = service.create_token(
                    db, owner=actor, name="fuzz", scopes=[p.value for p in GRANTS[Role.ADMIN]]
                )
                current.update(token_id=token.id, raw=raw)
        return {"Authorization": f"Bearer {current['raw']}"}

    return headers


def explains_refusals(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx answer carries a ``detail`` for people: non-empty text, no Python internals."""
    if 400 <= response.status_code < 500:
        body = response.json()
        detail = body.get("detail") if isinstance(body, dict) else None
        assert isinstance(detail, str) and detail.strip(), f"4xx without a message: {body!r}"
        assert "Traceback" not in detail and "object at 0x" not in detail, detail
    return None


def _schema() -> schemathesis.BaseSchema:
    """The OpenAPI schema, read once; requests go to each test's own app (``client``)."""
    app = create_app(Settings(env="test", database_url="sqlite://", secret_key="schema"))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


SCHEMA = _schema()


def _cases() -> list[Any]:
    """(operation label, generation mode) for every operation. Invalid input is generated
    only where the caller controls something (a body, a path or query parameter): the
    credential headers are the test's own."""
    cases = []
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        cases.append(pytest.param(operation.label, GenerationMode.POSITIVE, id=operation.label))
        if operation.body or operation.path_parameters or operation.query:
            cases.append(
                pytest.param(
                    operation.label, GenerationMode.NEGATIVE, id=f"{operation.label} (invalid)"
                )
            )
    return cases


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """Send a generated case through the test's client (in-process, on the test's database)."""
    case.headers = {
        k: v for k, v in (case.headers or {}).items() if k.lower() not in CREDENTIAL_HEADERS
    }
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    if "data" in kwargs:  # requests' raw body is httpx's content
        data = kwargs.pop("data")
        kwargs["content" if isinstance(data, bytes | str) else "data"] = data
    for unused in ("cookies", "allow_redirects", "timeout", "verify", "cert", "proxies"):
        kwargs.pop(unused, None)
    return client.request(**kwargs)


# schemathesis.pytest.from_fixture (lazy schemas) does not run under pytest 9 (it reads a
# removed private attribute), and its ASGI transport starts a portal per call; so each
# operation is driven with Hypothesis here, through the suite's TestClient.
@pytest.mark.parametrize(("label", "mode"), _cases())
def test_generated_requests_never_crash_the_api(
    client: TestClient,
    admin_headers: Callable[[], dict[str, str]],
    label: str,
    mode: GenerationMode,
) -> None:
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = _send(client, case, admin_headers())
        case.validate_response(
            response, checks=[not_a_server_error, negative_data_rejection, explains_refusals]
        )

    run()
