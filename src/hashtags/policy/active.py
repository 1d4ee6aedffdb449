"""The policy the service enforces: the newest saved version, else ``HASHTAGS_POLICY_PATH``, else
the demo policy.

Each process keeps one compiled :class:`~hashtags.review.engine.Engine` per application
(:class:`EnforcedPolicy`) and asks the database for the newest version number at most every
:data:`CHECK_EVERY` seconds, so a version saved in any process is enforced by every process
within about that time, and a review request pays no database query (one request in a few
thousand, at 1,000 requests a second, pays an indexed ``max(number)``). Only when the number
changed is the new text loaded and compiled (a few milliseconds). On the event loop
(:meth:`EnforcedPolicy.engine_nowait`) that check runs in a background thread, so a slow or
stalled database never holds up the requests being served.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hashtags.errors import DomainError
from hashtags.policy import PolicyError, load_policy, parse_policy
from hashtags.policy.schema import Policy
from hashtags.review.engine import Engine
from hashtags.settings import Settings

log = logging.getLogger(__name__)

CHECK_EVERY = 2.0
"""Seconds a process enforces its engine before asking the database for a newer version."""


def active_policy(settings: Settings) -> Policy:
    """The configured file's policy (or the demo policy), ignoring saved versions: for tools
    without a database. The service enforces :class:`EnforcedPolicy` instead."""
    if settings.policy_path is None:
        from hashtags.review.service import demo_policy

        return demo_policy()
    return load_policy(settings.policy_path)


class EnforcedPolicy:
    """One process's engine for the policy in force, following the newest saved version."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        check_every: float = CHECK_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.check_every = check_every
        self.clock = clock
        self.number: int | None = None
        """The saved version enforced now (None: the file or the demo policy)."""
        self._engine: Engine | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._refused: int | None = None
        """A saved version that failed to load here: not retried until a newer one appears."""
        self._forced = False
        """:meth:`recheck` was called: the next call checks, and waits for the check."""
        self._checking = False
        """A background check (:meth:`engine_nowait`) is running."""

    def engine(self) -> Engine:
        """The engine in force. Fast path: one clock read, no lock, no query."""
        engine = self._engine
        if engine is not None and self.clock() < self._next_check:
            return engine
        return self._refresh()

    def engine_nowait(self) -> Engine:
        """The engine in force, for code on the event loop: once there is one, a due check runs
        in a background thread and this returns the engine in force meanwhile. Only the very
        first call and the call after :meth:`recheck` wait for the database."""
        engine = self._engine
        if engine is not None and self.clock() < self._next_check:
            return engine
        if engine is None or self._forced:
            return self._refresh()
        if not self._checking:
            self._checking = True
            threading.Thread(
                target=self._check_in_background, name="policy-check", daemon=True
            ).start()
        return engine

    def _check_in_background(self) -> None:
        try:
            self._refresh()
        except Exception:  # the thread's end: keep enforcing the engine in force
            log.exception("checking for a newer policy version failed")
        finally:
            self._checking = False

    def recheck(self) -> None:
        """Ask the database on the next call, and wait for the answer (the process that saved a
        version calls this, so that its own next review enforces that version)."""
        self._forced = True
        self._next_check = 0.0

    def _refresh(self) -> Engine:
        current = self._engine
        # Whoever finds the check due does it; the others keep reviewing with the engine in
        # force meanwhile (only the very first call, with no engine yet, and a forced check
        # wait for it).
        if not self._lock.acquire(blocking=current is None or self._forced):
            assert current is not None
            return current
        try:
            current = self._engine
            now = self.clock()
            if current is not None and now < self._next_check:
                return current
            self._forced = False
            self._next_check = now + self.check_every
            try:
                number = self._newest_number()
            except SQLAlchemyError as exc:
                # The database is down or not migrated yet: keep enforcing what we have.
                log.warning("could not read the newest policy version (%s)", type(exc).__name__)
                if current is not None:
                    return current
                number = None
            refused = self._refused is not None and number == self._refused
            if current is not None and (number == self.number or refused):
                return current
            self._engine, self.number = self._load(number, current)
            return self._engine
        finally:
            self._lock.release()

    def _newest_number(self) -> int | None:
        from hashtags.policy.versions import newest_number

        with self.sessions() as session:
            return newest_number(session)

    def _load(self, number: int | None, current: Engine | None) -> tuple[Engine, int | None]:
        from hashtags.policy.versions import base_source, get_version

        if number is not None:
            try:
                with self.sessions() as session:
                    version = get_version(session, number=number)
                    text = version.source
                engine = Engine(parse_policy(text, source=f"policy version {number}"))
            except (PolicyError, ValueError, SQLAlchemyError, DomainError) as exc:
                # Saved versions were checked when saved; one that no longer loads (after an
                # upgrade changed the schema) must not take the service down.
                self._refused = number
                log.error("policy version %s cannot be enforced: %s", number, exc)
                if current is not None:
                    return current, self.number
            else:
                log.info("enforcing policy version %s", number)
                return engine, number
        source = base_source(self.settings)
        return Engine(parse_policy(source.text, source=source.name)), None


_CREATE = threading.Lock()
_ATTRIBUTE = "hashtags_enforced_policy"


def enforced_policy(app: Any) -> EnforcedPolicy:
    """The application's :class:`EnforcedPolicy`, created on first use.

    Kept as an attribute of the application object rather than in ``app.state``: this runs on
    every review request, and a lookup in Starlette's ``State`` costs about 0.7 µs (it raises
    and catches an ``AttributeError`` inside) against a few tens of nanoseconds here.
    """
    enforced: EnforcedPolicy | None = getattr(app, _ATTRIBUTE, None)
    if enforced is None:
        with _CREATE:
            enforced = getattr(app, _ATTRIBUTE, None)
            if enforced is None:
                enforced = EnforcedPolicy(app.state.settings, app.state.sessionmaker)
                setattr(app, _ATTRIBUTE, enforced)
    return enforced
