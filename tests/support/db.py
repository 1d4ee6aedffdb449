"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the machine's server (``HASHTAGS_TEST_POSTGRES``, default
postgresql+psycopg://postgres@127.0.0.1:5432/test); each test process migrates a private
schema, and each test runs in a transaction that is rolled back afterwards. The PostgreSQL
run is skipped only when no server answers, and the skip says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hashtags.storage import migrate
from hashtags.storage.db import make_engine

POSTGRES_URL = os.environ.get(
    "HASHTAGS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_engine() -> tuple[Engine, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL run skipped: no server answers at {POSTGRES_URL} ({exc.orig})")
    admin.dispose()
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database of each kind, shared by the tests of one process."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hashtags.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
        return
    engine, schema = _postgres_engine()
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def connection(database: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with database.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's transaction: their commits become savepoints."""
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session
