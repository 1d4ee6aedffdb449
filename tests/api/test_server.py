"""What ``hashtags serve`` runs in each worker: the app warmed up, its credentials documented."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hashtags.api.server import create_served_app
from hashtags.review.api import app_engine


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HASHTAGS_DATABASE_URL", f"sqlite:///{tmp_path / 'served.sqlite3'}")
    monkeypatch.setenv("HASHTAGS_ENV", "test")
    try:
        app = create_served_app()
        with TestClient(app) as client:
            yield client
        app.state.engine.dispose()
    finally:
        gc.unfreeze()  # the suite's own objects go back to the collector


def test_the_served_app_is_warm_and_frozen_before_its_first_request(served: TestClient) -> None:
    started = time.perf_counter()
    app_engine(served.app)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 0.1  # compiled already (it takes about 2 s)
    assert gc.get_freeze_count() > 10_000


def test_its_openapi_document_describes_the_credentials_once(served: TestClient) -> None:
    schema = served.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["apiToken"]["description"],
    }
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "hashtags_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    assert schema["security"] == [{"apiToken": []}, {"session": [], "csrf": []}]
    review = schema["paths"]["/api/v1/review"]["post"]
    assert not any(p["in"] == "header" for p in review.get("parameters", []))
