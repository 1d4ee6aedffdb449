"""Concurrent claimers never take the same job (SKIP LOCKED on PostgreSQL, the write lock on
SQLite), and a worker stopping gives back what it claimed but did not start."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from hashtags.publishing.models import Job, JobStatus
from hashtags.publishing.service import claim_jobs, release_jobs
from hashtags.storage.db import transaction, utcnow
from tests.publishing.live import Live, live

__all__ = ["live"]
JOBS = 60
CLAIMERS = 4
LIMIT = 3


def _add_jobs(live: Live) -> set[int]:
    with transaction(live.sessions) as session:
        jobs = [
            Job(kind="publish", payload={}, idempotency_key=f"k-{n}", next_attempt_at=utcnow())
            for n in range(JOBS)
        ]
        session.add_all(jobs)
        session.flush()
        return {job.id for job in jobs}


def test_concurrent_claimers_take_disjoint_jobs(live: Live) -> None:
    ids = _add_jobs(live)
    claimed: dict[str, list[int]] = {f"w{n}": [] for n in range(CLAIMERS)}
    # In rounds: every claimer claims once per round, all at the same moment, and holds its
    # claim open while the others claim. Left free, on SQLite a thread that begins again at
    # once can win the write lock over those sleeping in the busy handler round after round,
    # and take every job: the test would then show no competition at all.
    rounds = JOBS // (LIMIT * CLAIMERS) + 1
    start = threading.Barrier(CLAIMERS, timeout=30)
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            for _ in range(rounds):
                start.wait()
                with transaction(live.sessions) as session:
                    got = claim_jobs(session, worker_id=name, limit=LIMIT, lease_seconds=60)
                    time.sleep(0.01)  # hold the claim open: the others must skip, not share
                claimed[name].extend(got)
        except BaseException as exc:  # reported below
            start.abort()
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    everything = [job_id for got in claimed.values() for job_id in got]
    assert sorted(everything) == sorted(ids)  # each job once, none left behind
    # The claimers really did compete: each took its share, LIMIT a round.
    assert all(len(got) == JOBS // CLAIMERS for got in claimed.values()), claimed
    with live.sessions() as session:
        rows = session.execute(select(Job)).scalars().all()
        assert {(j.status, j.attempts) for j in rows} == {(JobStatus.RUNNING, 1)}
        assert {j.id: j.locked_by for j in rows} == {
            job_id: name for name, got in claimed.items() for job_id in got
        }


def test_a_stopping_worker_gives_back_unstarted_jobs(live: Live) -> None:
    _add_jobs(live)
    with transaction(live.sessions) as session:
        got = claim_jobs(session, worker_id="a", limit=5, lease_seconds=60)
    with transaction(live.sessions) as session:
        release_jobs(session, worker_id="b", job_ids=got)  # not b's: nothing happens
        release_jobs(session, worker_id="a", job_ids=got[2:])
    with live.sessions() as session:
        rows = {j.id: j for j in session.execute(select(Job)).scalars()}
    assert [rows[i].status for i in got] == ["running"] * 2 + ["queued"] * 3
    assert [rows[i].attempts for i in got] == [1, 1, 0, 0, 0]
