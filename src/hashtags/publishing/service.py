"""Publishing through a transactional outbox.

``enqueue_post`` writes one job per target in the transaction that schedules the post, so an
approved post is never lost: either the schedule and its jobs commit together, or neither
does. The worker claims due jobs (``claim_jobs``), publishes each through its account's
connector with the job's idempotency key, and records the outcome (``process_job``). A job
whose worker died is reclaimed once its lease runs out; the idempotency key makes the second
attempt return the first post instead of publishing again. While a network call is in
progress the worker renews its lease (``extend_lease``, every third of the lease), so a slow
publication is not taken over by another worker while its own is still alive.

``enqueue_delete`` takes a published post down from its networks the same way: one ``delete``
job per publication, processed by the worker with the same retries; the target becomes
``deleted`` once the network confirms. Deleting is not paused by a crisis freeze (taking a
post down is what a crisis may call for).
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.audit.service import record
from hashtags.connectors.base import ConnectorError, Published, Publisher
from hashtags.errors import Conflict, Message, NotFound, said
from hashtags.people.service import Actor
from hashtags.posts.models import Post, PostStatus, PostTarget, TargetStatus
from hashtags.publishing.models import Job, JobKind, JobStatus
from hashtags.storage.db import transaction, utcnow

log = logging.getLogger(__name__)

WORKER_ACTOR = "worker"
FREEZE_REASON = "crisis freeze: publishing on this account is paused"

_RNG = random.Random()

PublisherFor = Callable[[SocialAccount], Publisher]
"""Builds the connector for an account (``hashtags.connectors.registry.publisher_for``)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter; a job fails for good after ``max_attempts``."""

    max_attempts: int = 8
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds before attempt ``attempts + 1``: half the exponential step, plus a random
        share of the other half, so that workers retrying together spread out."""
        step = min(self.max_seconds, self.base_seconds * 2.0 ** max(attempts - 1, 0))
        return step / 2 + (rng or _RNG).uniform(0, step / 2)


class Outcome(StrEnum):
    PUBLISHED = "published"
    DELETED = "deleted"
    """A delete job's publication is gone from the network."""
    RETRY = "retry"
    FAILED = "failed"
    CANCELLED = "cancelled"
    FROZEN = "frozen"
    LOST = "lost"
    """Another worker holds the job now (this one's lease ran out)."""


def _actor_name(actor: Actor | str) -> str:
    return actor.email if isinstance(actor, Actor) else actor


def publish_key(*, post: Post, target: PostTarget) -> str:
    """Stable for one target at one version of the post; the post's creation time keeps keys
    from a reset database apart from those of the old one (the network remembers them)."""
    created = int(post.created_at.timestamp() * 1_000_000)
    return f"hashtags-{post.id}-{target.id}-v{post.version}-{created}"


def enqueue_post(session: Session, *, post_id: int, actor: Actor | str) -> list[Job]:
    """Queue one publish job per target of the post, due at ``scheduled_at`` or now.

    Call it in the transaction that schedules the post. Calling it again for the same version
    does not add jobs: it moves queued ones to the new time and requeues failed ones.
    """
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("post %(post)s does not exist", post=post_id)
    if not post.targets:
        raise Conflict("post %(post)s has no target accounts to publish to", post=post_id)
    due = post.scheduled_at or utcnow()
    jobs: list[Job] = []
    for target in post.targets:
        if target.status in (TargetStatus.PUBLISHED, TargetStatus.DELETED):
            continue
        key = publish_key(post=post, target=target)
        job = session.execute(select(Job).where(Job.idempotency_key == key)).scalar_one_or_none()
        if job is None:
            job = Job(
                kind=JobKind.PUBLISH.value,
                payload={
                    "post_id": post.id,
                    "target_id": target.id,
                    "account_id": target.account_id,
                    "version": post.version,
                },
                idempotency_key=key,
                status=JobStatus.QUEUED.value,
                attempts=0,
                next_attempt_at=due,
            )
            session.add(job)
        elif job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            _requeue(job, due)
        elif job.status == JobStatus.QUEUED:
            job.next_attempt_at = due
        target.status = TargetStatus.QUEUED.value
        target.set_error(None)
        session.flush()
        record(
            session,
            actor=_actor_name(actor),
            action="publish.queue",
            target_type="post_target",
            target_id=target.id,
            after={
                "post_id": post.id,
                "account_id": target.account_id,
                "job_id": job.id,
                "due": due.isoformat(),
            },
        )
        jobs.append(job)
    return jobs


def _requeue(job: Job, due: datetime) -> None:
    job.status = JobStatus.QUEUED.value
    job.attempts = 0
    job.next_attempt_at = due
    job.last_error = None
    job.locked_by = None
    job.locked_at = None
    job.finished_at = None


def delete_key(*, target: PostTarget, external_id: str) -> str:
    """One key per publication to take down (a target published again gets a new one)."""
    digest = hashlib.sha256(external_id.encode()).hexdigest()[:16]
    return f"hashtags-delete-{target.post_id}-{target.id}-{digest}"


def enqueue_delete(
    session: Session,
    *,
    post_id: int,
    actor: Actor | str,
    account_ids: list[int] | None = None,
    reason: str | None = None,
) -> list[Job]:
    """Queue one ``delete`` job per published target of the post (of ``account_ids`` only,
    when given), due now. Who may ask is checked by the caller (``posts.service``).

    Asking again while a deletion is queued or running adds nothing; a failed or cancelled
    one is queued again.
    """
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("post %(post)s does not exist", post=post_id)
    published = [t for t in post.targets if t.status == TargetStatus.PUBLISHED and t.external_id]
    if account_ids is not None:
        published = [t for t in published if t.account_id in account_ids]
    if not published:
        if account_ids is not None:
            raise Conflict(
                "post %(post)s is published on none of those accounts: there is nothing to take "
                "down",
                post=post_id,
            )
        raise Conflict(
            "post %(post)s is published on none of its accounts: there is nothing to take down",
            post=post_id,
        )
    now = utcnow()
    jobs: list[Job] = []
    for target in published:
        external_id = str(target.external_id)
        key = delete_key(target=target, external_id=external_id)
        job = session.execute(select(Job).where(Job.idempotency_key == key)).scalar_one_or_none()
        if job is None:
            job = Job(
                kind=JobKind.DELETE.value,
                payload={
                    "post_id": post.id,
                    "target_id": target.id,
                    "account_id": target.account_id,
                    "external_id": external_id,
                },
                idempotency_key=key,
                status=JobStatus.QUEUED.value,
                attempts=0,
                next_attempt_at=now,
            )
            session.add(job)
        elif job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            jobs.append(job)
            continue  # already on its way
        else:
            _requeue(job, now)
        target.set_error(None)
        session.flush()
        record(
            session,
            actor=_actor_name(actor),
            action="unpublish.queue",
            target_type="post_target",
            target_id=target.id,
            after={
                "post_id": post.id,
                "account_id": target.account_id,
                "external_id": external_id,
                "job_id": job.id,
            },
            reason=reason,
        )
        jobs.append(job)
    return jobs


def claim_jobs(
    session: Session,
    *,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    now: datetime | None = None,
) -> list[int]:
    """Mark up to ``limit`` due jobs as running for ``worker_id``; their ids, oldest first.

    Due means queued and past ``next_attempt_at``, or running under a lease older than
    ``lease_seconds`` (its worker died). On PostgreSQL the candidates are locked with
    ``FOR UPDATE SKIP LOCKED``, so concurrent workers take disjoint jobs; on SQLite the
    single ``UPDATE`` takes the database's write lock, which serialises claimers. Commit
    right after.
    """
    now = now or utcnow()
    stale = now - timedelta(seconds=lease_seconds)
    due = (
        select(Job.id)
        .where(
            or_(
                and_(Job.status == JobStatus.QUEUED.value, Job.next_attempt_at <= now),
                and_(Job.status == JobStatus.RUNNING.value, Job.locked_at < stale),
            )
        )
        .order_by(Job.next_attempt_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    claimed = session.execute(
        update(Job)
        .where(Job.id.in_(select(due.c.id)))
        .values(
            status=JobStatus.RUNNING.value,
            locked_by=worker_id,
            locked_at=now,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars())


def release_jobs(session: Session, *, worker_id: str, job_ids: list[int]) -> None:
    """Give back claimed jobs that were not started (the worker is stopping)."""
    if not job_ids:
        return
    session.execute(
        update(Job)
        .where(
            Job.id.in_(job_ids),
            Job.locked_by == worker_id,
            Job.status == JobStatus.RUNNING.value,
        )
        .values(
            status=JobStatus.QUEUED.value,
            locked_by=None,
            locked_at=None,
            attempts=Job.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )


def extend_lease(
    session: Session, *, job_id: int, worker_id: str, now: datetime | None = None
) -> bool:
    """Renew ``worker_id``'s lease on a running job; False if the job is no longer its own."""
    renewed = session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.locked_by == worker_id,
            Job.status == JobStatus.RUNNING.value,
        )
        .values(locked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(renewed, "rowcount", 0))


class _Heartbeat:
    """Renews a job's lease every ``every`` seconds from a thread, while the network call it
    guards is in progress. A renewal that fails (a busy database) is tried again at the next
    beat; one that finds the job taken over stops the heartbeat."""

    def __init__(
        self, sessions: sessionmaker[Session], *, job_id: int, worker_id: str, every: float | None
    ) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._worker_id = worker_id
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if self._every is not None and self._every > 0:
            self._thread = threading.Thread(
                target=self._run, name=f"lease-{self._job_id}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        assert self._every is not None
        while not self._stop.wait(self._every):
            try:
                with transaction(self._sessions) as session:
                    still_ours = extend_lease(
                        session, job_id=self._job_id, worker_id=self._worker_id
                    )
            except Exception as exc:
                log.warning("job %s: lease renewal failed: %s", self._job_id, type(exc).__name__)
                continue
            if not still_ours:
                log.warning("job %s: lease lost to another worker", self._job_id)
                return


def is_frozen(session: Session, *, account: SocialAccount) -> bool:
    """The crisis freeze, from ``hashtags.crisis`` when it is installed; the account's own
    ``frozen`` flag otherwise."""
    try:
        from hashtags.crisis import service as crisis
    except ModuleNotFoundError as exc:
        if exc.name not in ("hashtags.crisis", "hashtags.crisis.service"):
            raise
        return bool(account.frozen)
    return bool(crisis.is_frozen(session, account_id=account.id))


@dataclass(slots=True)
class _Prepared:
    kind: JobKind
    text: str
    """For ``publish``: the post's text; for ``delete``: the network's id of the publication."""
    key: str
    publisher: Publisher


def _call_network(prepared: _Prepared) -> Published | None:
    if prepared.kind == JobKind.DELETE:
        prepared.publisher.delete(prepared.text)
        return None
    return prepared.publisher.publish(prepared.text, idempotency_key=prepared.key)


def process_job(
    sessions: sessionmaker[Session],
    *,
    job_id: int,
    worker_id: str,
    publisher_for: PublisherFor,
    retry: RetryPolicy | None = None,
    freeze_recheck_seconds: float = 60.0,
    rng: random.Random | None = None,
    heartbeat_seconds: float | None = None,
) -> Outcome:
    """Run one claimed job: check it still applies, call the network outside any
    transaction (publish, or delete), record the outcome.

    No transaction is open while the network is called: a slow network holds no lock, and
    the sandbox (which lives in our database) commits on its own, as a remote network would.
    With ``heartbeat_seconds``, the job's lease is renewed that often during the call.
    """
    retry = retry or RetryPolicy()
    with transaction(sessions) as session:
        prepared = _prepare(
            session,
            job_id=job_id,
            worker_id=worker_id,
            publisher_for=publisher_for,
            freeze_recheck_seconds=freeze_recheck_seconds,
        )
    if isinstance(prepared, Outcome):
        return prepared
    result: Published | ConnectorError | None
    with _Heartbeat(sessions, job_id=job_id, worker_id=worker_id, every=heartbeat_seconds):
        try:
            result = _call_network(prepared)
        except ConnectorError as exc:
            result = exc
        except Exception as exc:  # a connector bug or an unforeseen network failure: retry
            result = ConnectorError("unexpected %(kind)s in the connector", kind=type(exc).__name__)
    with transaction(sessions) as session:
        return _record(
            session, job_id=job_id, worker_id=worker_id, result=result, retry=retry, rng=rng
        )


def _owned(session: Session, *, job_id: int, worker_id: str) -> Job | None:
    """The job, locked for this transaction, if ``worker_id`` still holds it.

    The lock is taken by writing first: on PostgreSQL the UPDATE locks the row; on SQLite
    it takes the write lock before anything is read, so the transaction cannot fail later
    on upgrading a stale read snapshot (SQLITE_BUSY_SNAPSHOT) when other workers wrote.
    """
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    job = session.execute(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    ).scalar_one()
    if job.status != JobStatus.RUNNING or job.locked_by != worker_id:
        return None
    return job


def _prepare(
    session: Session,
    *,
    job_id: int,
    worker_id: str,
    publisher_for: PublisherFor,
    freeze_recheck_seconds: float,
) -> _Prepared | Outcome:
    job = _owned(session, job_id=job_id, worker_id=worker_id)
    if job is None:
        return Outcome.LOST
    if job.kind == JobKind.DELETE:
        return _prepare_delete(session, job, publisher_for=publisher_for)
    if job.kind != JobKind.PUBLISH:
        _fail(session, job, None, Message("unknown job kind %(kind)r", kind=job.kind))
        return Outcome.FAILED
    payload: dict[str, Any] = job.payload
    target = session.get(PostTarget, payload.get("target_id"))
    if target is None:
        _finish(session, job, JobStatus.CANCELLED, "the post or its target was deleted")
        return Outcome.CANCELLED
    post = target.post
    if target.status == TargetStatus.PUBLISHED:
        _finish(session, job, JobStatus.DONE, None)
        return Outcome.PUBLISHED
    if (
        post.version != payload.get("version")
        or post.status != PostStatus.SCHEDULED
        or target.status != TargetStatus.QUEUED
    ):
        # Edited, unscheduled or withdrawn since: scheduling it again queues it again.
        reason = (
            f"post {post.id} is now {post.status} at version {post.version} (target "
            f"{target.status}); this job was for scheduled version {payload.get('version')}"
        )
        _finish(session, job, JobStatus.CANCELLED, reason)
        if target.status == TargetStatus.QUEUED and post.status != PostStatus.SCHEDULED:
            target.status = TargetStatus.PENDING.value
        return Outcome.CANCELLED
    account = session.get(SocialAccount, target.account_id)
    if account is None:  # pragma: no cover - the foreign key prevents it
        _fail(session, job, target, Message("the target account no longer exists"))
        return Outcome.FAILED
    if is_frozen(session, account=account):
        first_time = job.last_error != FREEZE_REASON
        job.status = JobStatus.QUEUED.value
        job.attempts -= 1  # waiting out a freeze is not a failed attempt
        job.next_attempt_at = utcnow() + timedelta(seconds=freeze_recheck_seconds)
        job.last_error = FREEZE_REASON
        job.locked_by = job.locked_at = None
        if first_time:
            record(
                session,
                actor=WORKER_ACTOR,
                action="publish.defer",
                target_type="post_target",
                target_id=target.id,
                after={"job_id": job.id, "account_id": account.id},
                reason=FREEZE_REASON,
            )
        return Outcome.FROZEN
    try:
        publisher = publisher_for(account)
    except ConnectorError as exc:
        if exc.permanent:
            _fail(session, job, target, said(exc))
            return Outcome.FAILED
        raise
    return _Prepared(
        kind=JobKind.PUBLISH, text=post.text, key=job.idempotency_key, publisher=publisher
    )


def _prepare_delete(
    session: Session, job: Job, *, publisher_for: PublisherFor
) -> _Prepared | Outcome:
    payload: dict[str, Any] = job.payload
    target = session.get(PostTarget, payload.get("target_id"))
    if target is None:
        _finish(session, job, JobStatus.CANCELLED, "the post or its target was deleted")
        return Outcome.CANCELLED
    if target.status == TargetStatus.DELETED:
        _finish(session, job, JobStatus.DONE, None)
        return Outcome.DELETED
    if target.status != TargetStatus.PUBLISHED or target.external_id != payload["external_id"]:
        _finish(
            session,
            job,
            JobStatus.CANCELLED,
            f"target {target.id} is {target.status}: publication "
            f"{payload['external_id']} is no longer there to delete",
        )
        return Outcome.CANCELLED
    account = session.get(SocialAccount, target.account_id)
    if account is None:  # pragma: no cover - the foreign key prevents it
        _fail_delete(session, job, target, Message("the target account no longer exists"))
        return Outcome.FAILED
    try:
        publisher = publisher_for(account)
    except ConnectorError as exc:
        if exc.permanent:
            _fail_delete(session, job, target, said(exc))
            return Outcome.FAILED
        raise
    return _Prepared(
        kind=JobKind.DELETE,
        text=str(payload["external_id"]),
        key=job.idempotency_key,
        publisher=publisher,
    )


def _finish(session: Session, job: Job, status: JobStatus, error: str | None) -> None:
    job.status = status.value
    job.last_error = error
    job.locked_by = job.locked_at = None
    job.finished_at = utcnow()
    if status == JobStatus.CANCELLED:
        record(
            session,
            actor=WORKER_ACTOR,
            action="publish.cancel",
            target_type="job",
            target_id=job.id,
            reason=error,
        )


def _fail(session: Session, job: Job, target: PostTarget | None, why: Message) -> None:
    error = str(why)
    job.status = JobStatus.FAILED.value
    job.last_error = error
    job.locked_by = job.locked_at = None
    job.finished_at = utcnow()
    log.warning("job %s failed for good after %s attempts: %s", job.id, job.attempts, error)
    if target is None:
        record(
            session,
            actor=WORKER_ACTOR,
            action="publish.fail",
            target_type="job",
            target_id=job.id,
            reason=error,
        )
        return
    target.status = TargetStatus.FAILED.value
    target.set_error(why)
    record(
        session,
        actor=WORKER_ACTOR,
        action="publish.fail",
        target_type="post_target",
        target_id=target.id,
        after={"post_id": target.post_id, "account_id": target.account_id, "job_id": job.id},
        reason=error,
    )
    _settle(session, target.post)


def _fail_delete(session: Session, job: Job, target: PostTarget, why: Message) -> None:
    """A deletion failed for good: the post is still on the network, and the target says
    why it could not be taken down."""
    error = str(why)
    job.status = JobStatus.FAILED.value
    job.last_error = error
    job.locked_by = job.locked_at = None
    job.finished_at = utcnow()
    target.set_error(Message("could not delete it from the network: %(error)s", error=why))
    log.warning("delete job %s failed for good after %s attempts: %s", job.id, job.attempts, error)
    record(
        session,
        actor=WORKER_ACTOR,
        action="unpublish.fail",
        target_type="post_target",
        target_id=target.id,
        after={"post_id": target.post_id, "account_id": target.account_id, "job_id": job.id},
        reason=error,
    )


def _record(
    session: Session,
    *,
    job_id: int,
    worker_id: str,
    result: Published | ConnectorError | None,
    retry: RetryPolicy,
    rng: random.Random | None,
) -> Outcome:
    job = _owned(session, job_id=job_id, worker_id=worker_id)
    if job is None:
        # Our lease ran out and another worker took the job; it publishes with the same key,
        # so the network returns this post to it, and it records the outcome.
        log.warning("job %s: lease lost while publishing; another worker finishes it", job_id)
        return Outcome.LOST
    target = session.get(PostTarget, job.payload["target_id"])
    if target is None:
        _finish(session, job, JobStatus.CANCELLED, "the post or its target was deleted")
        return Outcome.CANCELLED
    deleting = job.kind == JobKind.DELETE
    if isinstance(result, ConnectorError):
        why = said(result)
        message = str(why)
        if result.permanent or job.attempts >= retry.max_attempts:
            if not result.permanent:
                why = Message(
                    "gave up after %(attempts)s attempts: %(error)s",
                    attempts=job.attempts,
                    error=why,
                )
            if deleting:
                _fail_delete(session, job, target, why)
            else:
                _fail(session, job, target, why)
            return Outcome.FAILED
        wait = retry.delay(job.attempts, rng)
        job.status = JobStatus.QUEUED.value
        job.next_attempt_at = utcnow() + timedelta(seconds=wait)
        job.last_error = message
        job.locked_by = job.locked_at = None
        retrying = Message(
            "%(error)s (attempt %(attempt)s of %(most)s; retrying)",
            error=why,
            attempt=job.attempts,
            most=retry.max_attempts,
        )
        target.set_error(Message("deleting: %(error)s", error=retrying) if deleting else retrying)
        log.info(
            "job %s: attempt %s failed, retry in %.0fs: %s", job.id, job.attempts, wait, message
        )
        record(
            session,
            actor=WORKER_ACTOR,
            action="unpublish.retry" if deleting else "publish.retry",
            target_type="post_target",
            target_id=target.id,
            after={
                "job_id": job.id,
                "attempt": job.attempts,
                "next_attempt_at": job.next_attempt_at.isoformat(),
            },
            reason=message,
        )
        return Outcome.RETRY
    _finish(session, job, JobStatus.DONE, None)
    if deleting:
        if target.status != TargetStatus.DELETED:
            target.status = TargetStatus.DELETED.value
            target.error = None
            record(
                session,
                actor=WORKER_ACTOR,
                action="unpublish.done",
                target_type="post_target",
                target_id=target.id,
                after={
                    "post_id": target.post_id,
                    "account_id": target.account_id,
                    "external_id": job.payload["external_id"],
                    "job_id": job.id,
                    "attempt": job.attempts,
                },
            )
        return Outcome.DELETED
    assert result is not None
    if target.status != TargetStatus.PUBLISHED:
        target.status = TargetStatus.PUBLISHED.value
        target.external_id = result.external_id
        target.external_url = result.url
        target.published_at = utcnow()
        target.error = None
        record(
            session,
            actor=WORKER_ACTOR,
            action="publish.done",
            target_type="post_target",
            target_id=target.id,
            after={
                "post_id": target.post_id,
                "account_id": target.account_id,
                "external_id": result.external_id,
                "url": result.url,
                "job_id": job.id,
                "attempt": job.attempts,
            },
        )
        _settle(session, target.post)
    return Outcome.PUBLISHED


def _settle(session: Session, post: Post) -> None:
    """Once every target is done: published (then archived) if all went out, else failed."""
    statuses = {target.status for target in post.targets}
    done = {TargetStatus.PUBLISHED.value, TargetStatus.DELETED.value}
    if statuses <= done:
        _set_status(session, post, PostStatus.PUBLISHED, "post.publish")
        _set_status(session, post, PostStatus.ARCHIVED, "post.archive")
    elif statuses <= done | {TargetStatus.FAILED.value}:
        _set_status(session, post, PostStatus.FAILED, "post.fail")


def _set_status(session: Session, post: Post, status: PostStatus, action: str) -> None:
    if post.status == status:
        return
    before = post.status
    post.status = status.value
    after: dict[str, Any] = {"status": status.value, "version": post.version}
    if status == PostStatus.ARCHIVED:
        after["targets"] = [
            {
                "account_id": t.account_id,
                "status": t.status,
                "external_id": t.external_id,
                "url": t.external_url,
                "published_at": t.published_at.isoformat() if t.published_at else None,
            }
            for t in post.targets
        ]
    record(
        session,
        actor=WORKER_ACTOR,
        action=action,
        target_type="post",
        target_id=post.id,
        before={"status": before},
        after=after,
    )


def list_jobs(session: Session, *, status: JobStatus | None = None, limit: int = 100) -> list[Job]:
    """Jobs, newest first; ``status=failed`` lists what needs a person's attention."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status.value)
    return list(session.execute(query).scalars())


def retry_job(session: Session, *, actor: Actor | str, job_id: int) -> Job:
    """Queue a failed job again, now (after fixing credentials, say). Its idempotency key is
    unchanged, so if the first attempt did go out, the network returns that post."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("job %(job)s does not exist", job=job_id)
    if job.status != JobStatus.FAILED:
        raise Conflict(
            "job %(job)s is %(status)s; only failed jobs can be retried",
            job=job_id,
            status=job.status,
        )
    before = {"status": job.status, "last_error": job.last_error}
    _requeue(job, utcnow())
    target = session.get(PostTarget, job.payload.get("target_id"))
    if target is not None and job.kind == JobKind.DELETE:
        target.error = None  # still published: the deletion is simply tried again
    elif target is not None:
        target.status = TargetStatus.QUEUED.value
        target.error = None
        if target.post.status == PostStatus.FAILED:
            target.post.status = PostStatus.SCHEDULED.value
    record(
        session,
        actor=_actor_name(actor),
        action="publish.requeue",
        target_type="job",
        target_id=job.id,
        before=before,
        after={"status": job.status},
    )
    return job
