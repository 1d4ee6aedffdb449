"""Shared fixtures: the demo policy's engine and a one-call review helper."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy

from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context, Review


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(demo_policy())


@pytest.fixture(scope="session")
def check(engine: Engine):  # type: ignore[no-untyped-def]
    """``check(text, account="brand", **context) -> Review`` with the demo policy."""

    def run(text: str, account: str = "brand", **kwargs: object) -> Review:
        return engine.review(text, Context(account=account, **kwargs))  # type: ignore[arg-type]

    return run


pytest_plugins = ["tests.support.db", "tests.support.api", "tests.support.web"]


@pytest.fixture
def sqlite_counter(tmp_path: Path) -> sqlalchemy.Engine:
    """A fresh SQLite database (``make_engine``'s settings) with one table, ``counter (n)``,
    holding 0: for the tests of writers racing each other."""
    from hashtags.storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(sqlalchemy.text("INSERT INTO counter VALUES (0)"))
    return engine
