"""SQLite: a transaction that reads, then writes after another connection committed.

Deferred transactions fail at once in that case ("database is locked": no busy wait can
help); transactions begun for writing (``writing(engine)``, what every changing request gets)
take the write lock at BEGIN and wait for the other writer instead.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from hashtags.storage.db import make_engine, writing


@pytest.fixture
def engine(sqlite_counter: Engine) -> Engine:
    return sqlite_counter


def _read_then_write(engine: Engine) -> None:
    """Read, let another connection commit a write, then write."""
    other_done = threading.Event()

    def other() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
        other_done.set()

    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT n FROM counter")).scalar_one()
        thread = threading.Thread(target=other)
        thread.start()
        other_done.wait(timeout=0.5)  # with the write lock held, the other waits: fine
        conn.execute(text("UPDATE counter SET n = n + 10"))
    thread.join()


def test_a_deferred_read_then_write_fails_when_another_writer_got_in(engine: Engine) -> None:
    with pytest.raises(OperationalError, match="locked"):
        _read_then_write(engine)


def test_a_transaction_begun_for_writing_waits_instead(engine: Engine) -> None:
    _read_then_write(writing(engine))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 11


def test_writing_is_the_engine_itself_elsewhere() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert writing(engine) is engine
