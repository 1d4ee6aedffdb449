"""Verified API tokens, cached per process, refreshed in the background.

Authenticating a token against the database costs more than a whole review, so a machine
calling ``/review`` at a high rate must not pay it on every request. Each process keeps the
actors of the tokens it verified for ``ttl`` seconds, and:

- **one lookup at a time per token** (single flight): when an entry is missing or expired,
  the first request starts the lookup and every request that arrives meanwhile awaits the
  same one, instead of each taking a thread and a database connection;
- **refresh ahead**: once an entry is older than ``refresh_after``, the next request starts a
  lookup in the background and is answered from the entry, so in steady state no request
  waits for the database at all. A refresh that finds the token revoked drops the entry;
- **generations**: ``invalidate()`` (a token revoked, a user changed) drops every entry, and a
  lookup that started before it cannot put its (possibly stale) result back.

Revocation reaches every process, not only the one that revoked (``AuthWatch``):

- on **SQLite**, every request asks the database file whether anything was committed since
  the cache last looked (``PRAGMA data_version`` on a connection of its own: a read of the
  shared WAL index, a few microseconds); if so, the cache starts over. A revocation committed
  by any process is therefore seen by the very next request everywhere. (Other writes empty the
  cache too; that costs one lookup per token, in the background of no request but the next.)
- on **PostgreSQL**, a change that matters (a token revoked or deleted, a user's role or
  ``active`` changed or the user deleted, made through the ORM) sends ``NOTIFY hashtags_auth``
  in its own transaction, so it is delivered when that transaction commits; each process
  listens on a connection of its own in a background thread and empties its caches when told.
  The delay is the notification's trip, milliseconds. While the listener is not connected the
  cache is not trusted at all (each request is looked up).

``ttl`` stays as a backstop for changes made behind the ORM's back (an UPDATE by hand).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from hashtags.errors import DomainError
from hashtags.people.models import ApiToken, User
from hashtags.people.service import Actor

log = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 5.0
"""How long a process trusts a verified token without asking the database again."""
MAX_ENTRIES = 10_000

Lookup = Callable[[str], Awaitable[Actor]]
"""Verifies a raw token against the database (raises ``Unauthorized``)."""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthWatch(Protocol):
    """Tells a cache whether tokens or users may have changed since it last asked."""

    def epoch(self) -> object:
        """A value that changes whenever a change may have happened (compared with ``!=``)."""
        ...


class TokenCache:
    """Verified API tokens of one process: SHA-256 of the token -> (actor, verified at)."""

    def __init__(
        self,
        ttl: float = TOKEN_CACHE_SECONDS,
        refresh_after: float | None = None,
        *,
        watch: AuthWatch | None = None,
    ):
        self.ttl = ttl
        self.refresh_after = ttl * 0.6 if refresh_after is None else refresh_after
        self.watch = watch
        self._epoch: object = watch.epoch() if watch is not None else None
        self.generation = 0
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._pending: dict[str, asyncio.Future[Actor]] = {}
        self.lookups = 0
        """Lookups started (for tests and diagnostics)."""

    def get(self, raw: str) -> Actor | None:
        """The cached actor of a token verified less than ``ttl`` seconds ago."""
        entry = self._entries.get(_sha256(raw))
        if entry is None or time.monotonic() - entry[1] >= self.ttl:
            return None
        return entry[0]

    def put(self, raw: str, actor: Actor, *, generation: int | None = None) -> None:
        """Cache ``actor`` for ``raw``, unless the cache was invalidated since ``generation``."""
        if generation is not None and generation != self.generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[_sha256(raw)] = (actor, time.monotonic())

    def invalidate(self) -> None:
        """Forget every token; lookups in flight will not cache their results."""
        self.generation += 1
        self._entries.clear()

    clear = invalidate

    async def actor(self, raw: str, lookup: Lookup) -> Actor:
        """The token's actor: from the cache, else from one shared lookup."""
        if self.watch is not None:
            epoch = self.watch.epoch()
            if epoch != self._epoch:
                self._epoch = epoch
                self.invalidate()
        key = _sha256(raw)
        entry = self._entries.get(key)
        if entry is not None:
            actor, verified = entry
            age = time.monotonic() - verified
            if age < self.ttl:
                if age >= self.refresh_after and key not in self._pending:
                    self._start(key, raw, lookup)  # answered now, refreshed for the next ones
                return actor
            del self._entries[key]
        pending = self._pending.get(key)
        if pending is None:
            pending = self._start(key, raw, lookup)
        # Shielded: a caller that goes away does not cancel the lookup the others wait for.
        return await asyncio.shield(pending)

    def _start(self, key: str, raw: str, lookup: Lookup) -> asyncio.Future[Actor]:
        generation = self.generation
        self.lookups += 1
        task = asyncio.ensure_future(lookup(raw))
        self._pending[key] = task

        def done(finished: asyncio.Future[Actor]) -> None:
            self._pending.pop(key, None)
            if finished.cancelled():
                return
            error = finished.exception()  # retrieved, so an unawaited refresh logs nothing
            if error is None:
                self.put(raw, finished.result(), generation=generation)
            elif isinstance(error, DomainError):
                # Revoked, or its owner disabled. (A database error keeps the entry until it
                # expires: the next request tries again.)
                self._entries.pop(key, None)

        task.add_done_callback(done)
        return task


# --- knowing that something changed, in every process --------------------------------------

CHANNEL = "hashtags_auth"
"""The PostgreSQL notification channel for changes to tokens and users."""
_WATCHED = {ApiToken: ("revoked_at",), User: ("role", "active")}


def _auth_changes(objects: Iterable[Any], deleted: Iterable[Any]) -> bool:
    if any(isinstance(obj, tuple(_WATCHED)) for obj in deleted):
        return True
    for obj in objects:
        fields = _WATCHED.get(type(obj))
        if fields is None:
            continue
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in fields):
            return True
    return False


@event.listens_for(Session, "after_flush")
def _announce_auth_changes(session: Session, flush_context: UOWTransaction) -> None:
    """``NOTIFY`` the listeners of every process, on commit, when a token or user changed."""
    if not _auth_changes(session.dirty, session.deleted):
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {CHANNEL}")


def _own_connection(engine: Engine) -> Any:
    """A driver connection made with the engine's settings, detached from its pool (ours
    alone, for as long as the process runs)."""
    fairy = engine.raw_connection()
    connection = fairy.driver_connection
    fairy.detach()
    return connection


class SqliteCommits:
    """Changes whenever any connection commits to the SQLite file (``PRAGMA data_version``)."""

    def __init__(self, engine: Engine) -> None:
        self._connection: Any = _own_connection(engine)
        self._lock = threading.Lock()

    def epoch(self) -> object:
        try:
            with self._lock:
                return self._connection.execute("PRAGMA data_version").fetchone()[0]
        except Exception:  # cannot tell: assume a change
            return object()


class PostgresListener:
    """Counts ``NOTIFY hashtags_auth`` notifications, from a background thread listening on a
    connection of its own (reconnecting after a failure). While it is not listening, every
    call to ``epoch`` returns a new value: nothing cached is trusted."""

    RECONNECT_SECONDS = 1.0

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._count = 0
        self.listening = False
        self.backend_pid: int | None = None
        """The server process of the listening connection (diagnostics, tests)."""
        self._ready = threading.Event()
        self._unique = itertools.count()
        self._connection: Any = None
        self._stopped = False
        thread = threading.Thread(target=self._run, name="hashtags-auth-listener", daemon=True)
        thread.start()
        self._ready.wait(5.0)  # the first connection, so the first requests can use the cache

    def epoch(self) -> object:
        if not self.listening:
            return ("not listening", next(self._unique))
        return self._count

    def stop(self) -> None:
        """Stop listening for good (tests; a served process listens until it exits)."""
        self._stopped = True
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()  # wakes the thread up

    def _run(self) -> None:
        while not self._stopped:
            connection: Any = None
            try:
                connection = self._connection = _own_connection(self._engine)
                connection.rollback()  # the pool's ping may have opened a transaction
                connection.autocommit = True
                connection.execute(f"LISTEN {CHANNEL}")
                self.backend_pid = connection.info.backend_pid
                self._count += 1  # anything may have changed while nobody listened
                self.listening = True
                self._ready.set()
                for _ in connection.notifies():
                    self._count += 1
            except Exception as exc:
                if not self._stopped:
                    log.warning("token revocation listener: %s; reconnecting", type(exc).__name__)
            self.listening = False
            self._ready.set()
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
            time.sleep(self.RECONNECT_SECONDS)


_WATCHES: dict[str, AuthWatch] = {}
_WATCHES_LOCK = threading.Lock()


def watch_for(engine: Engine) -> AuthWatch | None:
    """This process's watch on ``engine``'s database (one per database, shared by every
    application of the process); None for a database it cannot watch (in memory)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    key = url.render_as_string(hide_password=False)
    with _WATCHES_LOCK:
        watch = _WATCHES.get(key)
        if watch is None:
            if url.get_backend_name() == "sqlite":
                watch = SqliteCommits(engine)
            elif url.get_backend_name() == "postgresql":
                watch = PostgresListener(engine)
            else:  # pragma: no cover - the two databases we support
                return None
            _WATCHES[key] = watch
    return watch
