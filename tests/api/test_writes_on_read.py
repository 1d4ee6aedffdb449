"""A GET handler that writes (``writes_on_read``) gets a request transaction that takes
SQLite's write lock at BEGIN, as a POST's does, so another writer's commit between its read
and its write makes it wait instead of failing with "database is locked" (the two-factor
set-up page failed so in the browser tests while the publishing worker wrote)."""

from __future__ import annotations

import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hashtags.api.deps import DbSession, UnmarkedWrite, writes_on_read
from hashtags.storage.db import make_sessionmaker

OTHERS: list[threading.Thread] = []
"""The other writers, joined once the request is over (they wait for its commit)."""


def _read_let_another_commit_then_write(db: DbSession) -> int:
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    db.execute(text("SELECT n FROM counter")).scalar_one()

    def other() -> None:
        with engine.engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))

    thread = threading.Thread(target=other)
    OTHERS.append(thread)
    thread.start()
    thread.join(timeout=0.5)  # with the write lock held, the other waits for this one
    db.execute(text("UPDATE counter SET n = n + 10"))
    return 0


@pytest.fixture
def app(sqlite_counter: Engine) -> FastAPI:
    engine = sqlite_counter
    app = FastAPI()
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.engine = engine

    @app.get("/marked")
    @writes_on_read
    def marked(db: DbSession) -> int:
        return _read_let_another_commit_then_write(db)

    @app.get("/plain")
    def plain(db: DbSession) -> int:
        return _read_let_another_commit_then_write(db)

    return app


def _counter(app: FastAPI) -> int:
    while OTHERS:
        OTHERS.pop().join()
    with app.state.engine.connect() as conn:
        return int(conn.execute(text("SELECT n FROM counter")).scalar_one())


def test_a_get_marked_as_writing_waits_for_the_other_writer(app: FastAPI) -> None:
    assert TestClient(app).get("/marked").status_code == 200
    assert _counter(app) == 11


def test_an_unmarked_get_that_writes_fails_when_another_writer_got_in(app: FastAPI) -> None:
    with pytest.raises(OperationalError, match="locked"):
        TestClient(app).get("/plain")


def test_the_two_factor_set_up_page_is_marked() -> None:
    from hashtags.api.deps import WRITES_ON_READ
    from hashtags.web.pages.auth import two_factor_setup_page

    assert getattr(two_factor_setup_page, WRITES_ON_READ) is True


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]


@pytest.fixture
def orm_app(sqlite_counter: Engine) -> FastAPI:
    _Base.metadata.create_all(sqlite_counter)
    with Session(sqlite_counter) as db, db.begin():
        db.add(_Note(id=1, body="first"))
    app = FastAPI()
    app.state.sessionmaker = make_sessionmaker(sqlite_counter)
    app.state.engine = sqlite_counter

    @app.get("/read")
    def read(db: DbSession) -> str:
        note = db.get(_Note, 1)
        assert note is not None
        note.body = note.body  # the same value: not a change
        return note.body

    @app.get("/edit")
    def edit(db: DbSession) -> str:
        note = db.get(_Note, 1)
        assert note is not None
        note.body = "changed on a GET"
        return note.body

    @app.get("/add")
    def add(db: DbSession) -> str:
        db.add(_Note(id=2, body="added on a GET"))
        db.flush()
        return "added"

    @app.get("/edit-marked")
    @writes_on_read
    def edit_marked(db: DbSession) -> str:
        return edit(db)

    return app


def _body(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT body FROM note ORDER BY id")).scalars())


def test_an_unmarked_get_that_changes_orm_rows_fails_every_time(orm_app: FastAPI) -> None:
    client = TestClient(orm_app)
    assert client.get("/read").json() == "first"
    for path in ("/edit", "/add"):
        with pytest.raises(UnmarkedWrite, match="writes_on_read"):
            client.get(path)
    assert _body(orm_app.state.engine) == ["first"]  # nothing half-written
    assert client.get("/edit-marked").json() == "changed on a GET"
    assert _body(orm_app.state.engine) == ["changed on a GET"]
