"""Page tests run on SQLite: pages are a layer over the services, whose own tests run on
SQLite and PostgreSQL alike; the browser tests (test_e2e.py) drive a real server on SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from hashtags.storage import migrate
from hashtags.storage.db import make_engine


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("web") / "hashtags.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
