"""The outbox on both databases: queueing, claiming, publishing, retrying, failing."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.connectors.base import Published, Publisher
from hashtags.connectors.bluesky import record_key
from hashtags.connectors.models import SandboxPost
from hashtags.connectors.registry import publisher_for
from hashtags.connectors.sandbox import SandboxConnector
from hashtags.posts.models import Post, PostStatus, PostTarget, TargetStatus
from hashtags.publishing.models import Job, JobStatus
from hashtags.publishing.service import (
    FREEZE_REASON,
    Outcome,
    RetryPolicy,
    claim_jobs,
    enqueue_post,
    process_job,
)
from hashtags.publishing.worker import WorkerOptions, run_worker
from hashtags.settings import Settings
from hashtags.storage.db import transaction, utcnow
from tests.publishing.helpers import SETTINGS, account, scheduled_post
from tests.support.fake_bluesky import DID as BSKY_DID
from tests.support.fake_bluesky import HANDLE as BSKY_HANDLE
from tests.support.fake_bluesky import PASSWORD as BSKY_PASSWORD
from tests.support.fake_bluesky import FakeBluesky
from tests.support.fake_mastodon import TOKEN, FakeMastodon

LEASE = 60.0


def _publishers(factory: sessionmaker[Session]) -> Callable[[SocialAccount], Publisher]:
    def build(account: SocialAccount) -> Publisher:
        return publisher_for(account, settings=SETTINGS, sessions=factory)

    return build


def work(
    factory: sessionmaker[Session],
    *,
    worker: str = "w1",
    now_offset: float = 0.0,
    retry: RetryPolicy | None = None,
) -> list[Outcome]:
    """Claim every due job (as of now + ``now_offset`` seconds) and process it."""
    with transaction(factory) as session:
        claimed = claim_jobs(
            session,
            worker_id=worker,
            limit=100,
            lease_seconds=LEASE,
            now=utcnow() + timedelta(seconds=now_offset),
        )
    return [
        process_job(
            factory,
            job_id=job_id,
            worker_id=worker,
            publisher_for=_publishers(factory),
            retry=retry,
            rng=random.Random(7),
        )
        for job_id in claimed
    ]


def _jobs(db: Session) -> list[Job]:
    db.expire_all()
    return list(db.execute(select(Job).order_by(Job.id)).scalars())


def _actions(db: Session) -> list[tuple[str, str]]:
    return [
        (e.actor, e.action)
        for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    ]


def _mastodon(db: Session, fake: FakeMastodon, token: str = TOKEN) -> SocialAccount:
    return account(db, network="mastodon", base_url=fake.url, credentials={"access_token": token})


def test_enqueue_writes_one_job_per_target_due_at_the_scheduled_time(db: Session) -> None:
    at = utcnow() + timedelta(hours=2)
    post = scheduled_post(db, accounts=[account(db), account(db)], at=at)
    jobs = _jobs(db)
    assert [j.payload["target_id"] for j in jobs] == [t.id for t in post.targets]
    assert all(j.status == JobStatus.QUEUED and j.next_attempt_at == at for j in jobs)
    assert all(t.status == TargetStatus.QUEUED for t in post.targets)
    assert len({j.idempotency_key for j in jobs}) == 2
    # Scheduling again (a new time) moves the jobs; it never adds any.
    post.scheduled_at = at + timedelta(hours=1)
    enqueue_post(db, post_id=post.id, actor="ana@cafeterra.es")
    assert [j.next_attempt_at for j in _jobs(db)] == [at + timedelta(hours=1)] * 2
    assert _actions(db).count(("ana@cafeterra.es", "publish.queue")) == 4


def test_only_due_jobs_are_claimed_and_a_claimed_job_is_not_claimed_twice(
    db: Session, factory: sessionmaker[Session]
) -> None:
    now_post = scheduled_post(db, accounts=[account(db)])
    scheduled_post(db, accounts=[account(db)], at=utcnow() + timedelta(hours=1))
    db.commit()
    with transaction(factory) as session:
        first = claim_jobs(session, worker_id="a", limit=10, lease_seconds=LEASE)
    with transaction(factory) as session:
        second = claim_jobs(session, worker_id="b", limit=10, lease_seconds=LEASE)
    assert len(first) == 1 and second == []
    job = _jobs(db)[0]
    assert job.payload["post_id"] == now_post.id
    assert (job.status, job.locked_by, job.attempts) == (JobStatus.RUNNING, "a", 1)
    # The worker died: once its lease is over, another worker takes the job over.
    with transaction(factory) as session:
        later = utcnow() + timedelta(seconds=LEASE + 1)
        taken = claim_jobs(session, worker_id="b", limit=10, lease_seconds=LEASE, now=later)
    assert taken == first
    assert (_jobs(db)[0].locked_by, _jobs(db)[0].attempts) == ("b", 2)
    # The first worker wakes up: the job is no longer its own, it records nothing.
    outcome = process_job(
        factory, job_id=first[0], worker_id="a", publisher_for=_publishers(factory)
    )
    assert outcome == Outcome.LOST and db.scalar(select(func.count(SandboxPost.id))) == 0


def test_publishing_all_targets_publishes_and_archives_the_post(
    db: Session, factory: sessionmaker[Session]
) -> None:
    accounts = [account(db), account(db)]
    post = scheduled_post(db, accounts=accounts, text="Nuevo horario: abrimos a las 8")
    db.commit()
    assert work(factory) == [Outcome.PUBLISHED, Outcome.PUBLISHED]
    db.expire_all()
    sandbox = list(db.execute(select(SandboxPost).order_by(SandboxPost.id)).scalars())
    assert [(s.account_id, s.text) for s in sandbox] == [
        (a.id, "Nuevo horario: abrimos a las 8") for a in accounts
    ]
    for target, remote in zip(post.targets, sandbox, strict=True):
        assert target.status == TargetStatus.PUBLISHED and target.external_id == str(remote.id)
        assert target.external_url == f"sandbox://{remote.author}/{remote.id}"
        assert target.published_at is not None and target.error is None
    assert post.status == PostStatus.ARCHIVED
    assert all(j.status == JobStatus.DONE and j.finished_at for j in _jobs(db))
    worker_actions = [a for who, a in _actions(db) if who == "worker"]
    assert worker_actions == ["publish.done", "publish.done", "post.publish", "post.archive"]
    assert verify(db).ok
    assert work(factory) == []  # nothing left


def test_a_retry_after_a_lost_commit_does_not_publish_twice(
    db: Session, factory: sessionmaker[Session]
) -> None:
    """The sandbox published, then the worker died before recording it: the retry sends the
    same idempotency key and gets the same post back."""
    target_account = account(db)
    post = scheduled_post(db, accounts=[target_account])
    db.commit()
    job = _jobs(db)[0]
    remote = SandboxConnector(
        sessions=factory, account_id=target_account.id, handle=target_account.handle
    ).publish(post.text, idempotency_key=job.idempotency_key)
    assert work(factory) == [Outcome.PUBLISHED]
    db.expire_all()
    assert db.scalar(select(func.count(SandboxPost.id))) == 1
    assert post.targets[0].external_id == remote.external_id


def test_a_lost_mastodon_response_is_retried_without_a_second_status(
    db: Session, factory: sessionmaker[Session], fake_mastodon: FakeMastodon
) -> None:
    post = scheduled_post(db, accounts=[_mastodon(db, fake_mastodon)])
    db.commit()
    fake_mastodon.lose_next_response = 1
    assert work(factory) == [Outcome.RETRY]
    job = _jobs(db)[0]
    assert job.status == JobStatus.QUEUED and "502" not in (job.last_error or "x")
    assert work(factory, now_offset=3600) == [Outcome.PUBLISHED]
    db.expire_all()
    assert len(fake_mastodon.live()) == 1
    assert post.targets[0].external_id == fake_mastodon.live()[0]["id"]


def test_transient_failures_back_off_exponentially_with_jitter(
    db: Session, factory: sessionmaker[Session], fake_mastodon: FakeMastodon
) -> None:
    post = scheduled_post(db, accounts=[_mastodon(db, fake_mastodon)])
    db.commit()
    fake_mastodon.fail_next = [503, 503]
    retry = RetryPolicy(max_attempts=5, base_seconds=10, max_seconds=1000)
    before = utcnow()
    assert work(factory, retry=retry) == [Outcome.RETRY]
    first = _jobs(db)[0]
    wait = (first.next_attempt_at - before).total_seconds()
    assert 5 <= wait <= 11 and first.attempts == 1 and first.locked_by is None
    assert "server error" in (first.last_error or "")
    db.expire_all()
    assert post.targets[0].status == TargetStatus.QUEUED
    assert "attempt 1 of 5; retrying" in (post.targets[0].error or "")
    assert work(factory, retry=retry) == []  # not due yet
    assert work(factory, retry=retry, now_offset=11) == [Outcome.RETRY]
    second = _jobs(db)[0]
    wait = (second.next_attempt_at - utcnow()).total_seconds()
    assert 9 <= wait <= 21 and second.attempts == 2
    assert work(factory, retry=retry, now_offset=21) == [Outcome.PUBLISHED]
    assert [a for who, a in _actions(db) if who == "worker"][:2] == ["publish.retry"] * 2


def test_the_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base_seconds=30, max_seconds=600)
    rng = random.Random(1)
    for attempts, step in [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (12, 600)]:
        delays = [policy.delay(attempts, rng) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1  # jitter


@pytest.mark.parametrize(
    ("token", "fail", "reason"),
    [
        ("revoked", [], "mastodon: the access token was refused (401) while publishing the post"),
        (TOKEN, [422], "mastodon: refused with 422 while publishing the post: simulated 422"),
    ],
)
def test_permanent_failures_are_visible_on_the_target(
    db: Session,
    factory: sessionmaker[Session],
    fake_mastodon: FakeMastodon,
    token: str,
    fail: list[int],
    reason: str,
) -> None:
    post = scheduled_post(db, accounts=[_mastodon(db, fake_mastodon, token)])
    db.commit()
    fake_mastodon.fail_next = list(fail)
    assert work(factory) == [Outcome.FAILED]
    db.expire_all()
    job = _jobs(db)[0]
    assert (job.status, job.last_error, job.attempts) == (JobStatus.FAILED, reason, 1)
    assert (post.targets[0].status, post.targets[0].error) == (TargetStatus.FAILED, reason)
    assert post.status == PostStatus.FAILED
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "publish.fail")).scalars()
    assert [(e.actor, e.reason) for e in events] == [("worker", reason)]
    assert work(factory, now_offset=10**6) == []  # never retried by itself


def test_after_max_attempts_a_transient_failure_becomes_permanent(
    db: Session, factory: sessionmaker[Session], fake_mastodon: FakeMastodon
) -> None:
    post = scheduled_post(db, accounts=[_mastodon(db, fake_mastodon)])
    db.commit()
    fake_mastodon.fail_next = [503, 503]
    retry = RetryPolicy(max_attempts=2, base_seconds=1, max_seconds=1)
    assert work(factory, retry=retry) == [Outcome.RETRY]
    assert work(factory, retry=retry, now_offset=5) == [Outcome.FAILED]
    db.expire_all()
    assert (
        post.targets[0].error
        == "gave up after 2 attempts: mastodon: server error while publishing the post"
    )


def test_one_failed_target_does_not_hold_back_the_others(
    db: Session, factory: sessionmaker[Session], fake_mastodon: FakeMastodon
) -> None:
    post = scheduled_post(db, accounts=[account(db), _mastodon(db, fake_mastodon, "revoked")])
    db.commit()
    assert sorted(work(factory)) == sorted([Outcome.PUBLISHED, Outcome.FAILED])
    db.expire_all()
    assert [t.status for t in post.targets] == [TargetStatus.PUBLISHED, TargetStatus.FAILED]
    assert post.status == PostStatus.FAILED


def test_a_crisis_freeze_defers_publishing_without_spending_attempts(
    db: Session, factory: sessionmaker[Session]
) -> None:
    frozen = account(db)
    frozen.frozen = True
    post = scheduled_post(db, accounts=[frozen])
    db.commit()
    assert work(factory) == [Outcome.FROZEN]
    assert work(factory, now_offset=61) == [Outcome.FROZEN]
    job = _jobs(db)[0]
    assert (job.status, job.attempts, job.last_error) == (JobStatus.QUEUED, 0, FREEZE_REASON)
    assert db.scalar(select(func.count(SandboxPost.id))) == 0
    assert [a for who, a in _actions(db) if who == "worker"] == ["publish.defer"]  # once
    frozen.frozen = False
    db.commit()
    assert work(factory, now_offset=200) == [Outcome.PUBLISHED]
    db.expire_all()
    assert post.status == PostStatus.ARCHIVED


def test_an_edited_or_unscheduled_post_is_not_published(
    db: Session, factory: sessionmaker[Session]
) -> None:
    edited = scheduled_post(db, accounts=[account(db)])
    edited.version += 1
    edited.status = PostStatus.IN_REVIEW.value
    unscheduled = scheduled_post(db, accounts=[account(db)])
    unscheduled.status = PostStatus.APPROVED.value
    for target in unscheduled.targets:
        target.status = TargetStatus.PENDING.value
    db.commit()
    assert work(factory) == [Outcome.CANCELLED, Outcome.CANCELLED]
    assert [j.status for j in _jobs(db)] == [JobStatus.CANCELLED] * 2
    assert db.scalar(select(func.count(SandboxPost.id))) == 0
    # Scheduled again at the same version: the cancelled job is queued again.
    unscheduled.status = PostStatus.SCHEDULED.value
    enqueue_post(db, post_id=unscheduled.id, actor="ana@cafeterra.es")
    db.commit()
    assert work(factory) == [Outcome.PUBLISHED]


def test_a_deleted_post_cancels_its_jobs(db: Session, factory: sessionmaker[Session]) -> None:
    post = scheduled_post(db, accounts=[account(db)])
    db.delete(post)
    db.commit()
    assert work(factory) == [Outcome.CANCELLED]
    assert db.get(Post, post.id) is None and db.scalar(select(func.count(PostTarget.id))) == 0


def test_bluesky_publishes_once_even_when_the_answer_is_lost(
    db: Session, factory: sessionmaker[Session], fake_bluesky: FakeBluesky
) -> None:
    bsky = account(
        db,
        network="bluesky",
        base_url=fake_bluesky.url,
        handle=BSKY_HANDLE,
        credentials={"app_password": BSKY_PASSWORD},
    )
    post = scheduled_post(db, accounts=[bsky])
    db.commit()
    fake_bluesky.lose_next_response = 1
    assert work(factory) == [Outcome.PUBLISHED]
    db.expire_all()
    assert fake_bluesky.creates == 1 and len(fake_bluesky.posts()) == 1
    assert post.targets[0].external_id == (
        f"at://{BSKY_DID}/app.bsky.feed.post/{record_key(_jobs(db)[0].idempotency_key)}"
    )


def test_the_worker_loop_finishes_the_job_in_hand_when_stopped(
    db: Session, factory: sessionmaker[Session]
) -> None:
    post = scheduled_post(db, accounts=[account(db)])
    db.commit()
    stop = threading.Event()

    class StopAfterPublishing:
        """The sandbox, plus a stop request the moment the post has gone out."""

        def __init__(self, inner: Publisher) -> None:
            self.inner = inner

        def publish(self, text: str, *, idempotency_key: str) -> Published:
            published = self.inner.publish(text, idempotency_key=idempotency_key)
            stop.set()
            return published

        def delete(self, external_id: str) -> None:
            self.inner.delete(external_id)

    processed: list[int] = []
    thread = threading.Thread(
        target=lambda: processed.append(
            run_worker(
                Settings(env="test", worker_poll_seconds=0.01),
                stop_event=stop,
                options=WorkerOptions(maintenance_seconds=None),
                sessions=factory,
                publishers=lambda acct: StopAfterPublishing(_publishers(factory)(acct)),
            )
        )
    )
    thread.start()  # the test's connection is the worker's alone until it returns
    thread.join(20)
    assert not thread.is_alive() and processed == [1]
    db.expire_all()
    assert post.status == PostStatus.ARCHIVED and _jobs(db)[0].status == JobStatus.DONE
