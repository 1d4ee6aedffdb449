"""The publishing worker: ``hashtags worker`` runs ``run_worker`` until SIGTERM.

Several workers may run against one PostgreSQL database; each claims disjoint jobs. On
SIGTERM (or SIGINT) a worker finishes the job in hand, gives back the jobs it claimed but
did not start, and returns.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.connectors.base import Publisher
from hashtags.connectors.registry import publisher_for
from hashtags.publishing import service
from hashtags.publishing.service import Outcome, PublisherFor, RetryPolicy
from hashtags.settings import Settings
from hashtags.storage.db import make_engine, make_sessionmaker, transaction, utcnow

log = logging.getLogger(__name__)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """Tuning; the defaults suit production. Tests shorten the lease and the intervals."""

    worker_id: str = field(default_factory=_worker_id)
    batch_size: int = 10
    lease_seconds: float = 300.0
    """A running job whose worker has not renewed its lease within this long is taken over
    (its worker died). The worker renews it during a slow network call (``heartbeat_seconds``),
    so a publication may take longer than this without being done twice."""
    heartbeat_seconds: float | None = None
    """How often the lease of the job in hand is renewed while its network call runs;
    default: a third of ``lease_seconds``, so two renewals can fail before it runs out."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    freeze_recheck_seconds: float = 60.0
    maintenance_seconds: float | None = 60.0
    """How often approvals are expired and escalated; ``None``: never (tests)."""
    sandbox_delay_seconds: float = 0.0
    """Slows the sandbox network down (crash tests)."""


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop``; only the main thread may install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: finishing the job in hand, then stopping", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_maintenance(sessions: sessionmaker[Session]) -> None:
    """Expire and escalate approvals, when the approvals domain is installed."""
    try:
        from hashtags.approvals import service as approvals
    except ModuleNotFoundError as exc:
        if exc.name not in ("hashtags.approvals", "hashtags.approvals.service"):
            raise
        return
    try:
        with transaction(sessions) as session:
            approvals.expire_and_escalate(session, now=utcnow())
    except Exception as exc:  # keep publishing even if maintenance breaks
        log.error("approval expiry failed: %s", type(exc).__name__)


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    stop_event: threading.Event | None = None,
    options: WorkerOptions | None = None,
    sessions: sessionmaker[Session] | None = None,
    publishers: PublisherFor | None = None,
) -> int:
    """Process due jobs until stopped; with ``once``, until none is due. Returns how many
    jobs it processed.

    ``sessions`` and ``publishers`` default to the settings' database and the connector
    registry; tests pass their own.
    """
    options = options or WorkerOptions()
    stop = stop_event or threading.Event()
    engine = None
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
    factory = sessions

    def default_publishers(account: SocialAccount) -> Publisher:
        return publisher_for(
            account,
            settings=settings,
            sessions=factory,
            sandbox_delay_seconds=options.sandbox_delay_seconds,
        )

    build = publishers or default_publishers
    processed = 0
    next_maintenance = 0.0
    log.info("worker %s started", options.worker_id)
    try:
        with _stop_on_signals(stop):
            while not stop.is_set():
                if options.maintenance_seconds is not None and time.monotonic() >= next_maintenance:
                    run_maintenance(factory)
                    next_maintenance = time.monotonic() + options.maintenance_seconds
                with transaction(factory) as session:
                    claimed = service.claim_jobs(
                        session,
                        worker_id=options.worker_id,
                        limit=options.batch_size,
                        lease_seconds=options.lease_seconds,
                    )
                for index, job_id in enumerate(claimed):
                    if stop.is_set():
                        with transaction(factory) as session:
                            service.release_jobs(
                                session, worker_id=options.worker_id, job_ids=claimed[index:]
                            )
                        break
                    processed += 1
                    try:
                        outcome = service.process_job(
                            factory,
                            job_id=job_id,
                            worker_id=options.worker_id,
                            publisher_for=build,
                            retry=options.retry,
                            freeze_recheck_seconds=options.freeze_recheck_seconds,
                            heartbeat_seconds=options.heartbeat_seconds
                            or options.lease_seconds / 3,
                        )
                    except Exception as exc:
                        # The job stays claimed and is retried when its lease runs out.
                        log.error("job %s: unexpected %s", job_id, type(exc).__name__)
                        continue
                    log.info("job %s: %s", job_id, outcome.value)
                if not claimed:
                    if once:
                        break
                    stop.wait(settings.worker_poll_seconds)
    finally:
        if engine is not None:
            engine.dispose()
        log.info("worker %s stopped after %s jobs", options.worker_id, processed)
    return processed


__all__ = ["Outcome", "WorkerOptions", "run_maintenance", "run_worker"]
