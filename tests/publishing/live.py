"""Fresh databases that several processes and threads share (committed data, no rollback).

The ``database`` fixture's rolled-back transaction cannot be seen by another connection, so
the concurrency and crash tests each get a new SQLite file or PostgreSQL schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hashtags.storage import migrate
from hashtags.storage.db import make_engine, make_sessionmaker
from tests.support.db import POSTGRES_URL


@dataclass
class Live:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    else:
        schema = f"live_{uuid.uuid4().hex[:12]}"
        admin = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as exc:
            pytest.skip(f"PostgreSQL run skipped: no server answers at {POSTGRES_URL} ({exc.orig})")
        finally:
            admin.dispose()
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        yield Live(url=url, engine=engine, sessions=make_sessionmaker(engine))
    finally:
        engine.dispose()
        if schema:
            admin = make_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
