"""Delete jobs (taking a published post down from its networks) and the lease heartbeat, on
both databases, against the sandbox and the fake Mastodon and Bluesky servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.connectors.base import Publisher
from hashtags.connectors.models import SandboxPost
from hashtags.connectors.sandbox import SandboxConnector
from hashtags.errors import Conflict
from hashtags.posts.models import Post, PostStatus, TargetStatus
from hashtags.publishing.models import Job, JobKind, JobStatus
from hashtags.publishing.service import (
    Outcome,
    RetryPolicy,
    claim_jobs,
    enqueue_delete,
    extend_lease,
    process_job,
    retry_job,
)
from hashtags.storage.db import transaction, utcnow
from tests.publishing.helpers import account, author, scheduled_post
from tests.publishing.live import Live, live
from tests.publishing.test_outbox import work
from tests.support.fake_bluesky import HANDLE as BSKY_HANDLE
from tests.support.fake_bluesky import PASSWORD as BSKY_PASSWORD
from tests.support.fake_bluesky import FakeBluesky
from tests.support.fake_mastodon import TOKEN, FakeMastodon

__all__ = ["live"]
ACTOR = "marta.gil@cafeterra.es"


def _published(db: Session, factory: sessionmaker[Session], accounts: list[SocialAccount]) -> Post:
    post = scheduled_post(db, accounts=accounts, text="Nuevo horario: abrimos a las 8")
    db.commit()
    assert set(work(factory)) == {Outcome.PUBLISHED}
    db.expire_all()
    assert post.status == PostStatus.ARCHIVED
    return post


def _delete_jobs(db: Session) -> list[Job]:
    db.expire_all()
    query = select(Job).where(Job.kind == JobKind.DELETE).order_by(Job.id)
    return list(db.execute(query).scalars())


def _actions(db: Session, prefix: str) -> list[tuple[str, str, str | None]]:
    events = db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    return [(e.actor, e.action, e.reason) for e in events if e.action.startswith(prefix)]


def test_a_published_post_is_taken_down_from_every_network(
    db: Session,
    factory: sessionmaker[Session],
    fake_mastodon: FakeMastodon,
    fake_bluesky: FakeBluesky,
) -> None:
    sandbox = account(db)
    mastodon = account(
        db, network="mastodon", base_url=fake_mastodon.url, credentials={"access_token": TOKEN}
    )
    bluesky = account(
        db,
        network="bluesky",
        base_url=fake_bluesky.url,
        handle=BSKY_HANDLE,
        credentials={"app_password": BSKY_PASSWORD},
    )
    post = _published(db, factory, [sandbox, mastodon, bluesky])
    assert len(fake_mastodon.live()) == 1 and len(fake_bluesky.posts()) == 1

    jobs = enqueue_delete(db, post_id=post.id, actor=ACTOR, reason="Recall of batch 44")
    assert [(j.kind, j.status, j.payload["target_id"]) for j in jobs] == [
        (JobKind.DELETE, JobStatus.QUEUED, t.id) for t in post.targets
    ]
    assert [j.payload["external_id"] for j in jobs] == [t.external_id for t in post.targets]
    # Asking again while they wait adds nothing.
    again = enqueue_delete(db, post_id=post.id, actor=ACTOR)
    assert [j.id for j in again] == [j.id for j in jobs]
    db.commit()
    # Until the network confirms, the post is still out there.
    assert {t.status for t in post.targets} == {TargetStatus.PUBLISHED}

    assert work(factory) == [Outcome.DELETED] * 3
    db.expire_all()
    assert {t.status for t in post.targets} == {TargetStatus.DELETED}
    assert all(j.status == JobStatus.DONE for j in _delete_jobs(db))
    remote = db.get(SandboxPost, int(post.targets[0].external_id or 0))
    assert remote is not None and remote.deleted_at is not None
    assert fake_mastodon.live() == [] and fake_bluesky.posts() == []
    assert post.status == PostStatus.ARCHIVED  # its history stays
    assert (
        _actions(db, "unpublish.")
        == [(ACTOR, "unpublish.queue", "Recall of batch 44")] * 3
        + [("worker", "unpublish.done", None)] * 3
    )
    assert verify(db).ok
    with pytest.raises(Conflict, match="nothing to take down"):
        enqueue_delete(db, post_id=post.id, actor=ACTOR)


def test_one_account_only_and_deleting_is_not_paused_by_a_freeze(
    db: Session, factory: sessionmaker[Session]
) -> None:
    first, second = account(db), account(db)
    post = _published(db, factory, [first, second])
    first.frozen = True  # a crisis freeze stops publishing, not taking posts down
    (job,) = enqueue_delete(db, post_id=post.id, actor=ACTOR, account_ids=[first.id])
    db.commit()
    assert job.payload["account_id"] == first.id
    assert work(factory) == [Outcome.DELETED]
    db.expire_all()
    assert [t.status for t in post.targets] == [TargetStatus.DELETED, TargetStatus.PUBLISHED]
    with pytest.raises(Conflict, match="published on none of those accounts"):
        enqueue_delete(db, post_id=post.id, actor=ACTOR, account_ids=[first.id])


def test_a_failing_deletion_is_retried_then_reported_and_can_be_retried_by_hand(
    db: Session, factory: sessionmaker[Session], fake_mastodon: FakeMastodon
) -> None:
    mastodon = account(
        db, network="mastodon", base_url=fake_mastodon.url, credentials={"access_token": TOKEN}
    )
    post = _published(db, factory, [mastodon])
    enqueue_delete(db, post_id=post.id, actor=ACTOR)
    db.commit()
    fake_mastodon.fail_next_delete = [503, 403]
    retry = RetryPolicy(max_attempts=5, base_seconds=10, max_seconds=100)
    assert work(factory, retry=retry) == [Outcome.RETRY]
    db.expire_all()
    target = post.targets[0]
    assert target.status == TargetStatus.PUBLISHED
    assert (target.error or "").startswith("deleting: mastodon: server error")
    assert work(factory, retry=retry, now_offset=11) == [Outcome.FAILED]
    (job,) = _delete_jobs(db)
    db.expire_all()
    assert job.status == JobStatus.FAILED and "refused with 403" in (job.last_error or "")
    # Still on the network: the target stays published and says why it is not gone.
    assert target.status == TargetStatus.PUBLISHED
    assert (target.error or "").startswith("could not delete it from the network: mastodon")
    assert [a for _, a, _ in _actions(db, "unpublish.")] == [
        "unpublish.queue",
        "unpublish.retry",
        "unpublish.fail",
    ]
    assert len(fake_mastodon.live()) == 1

    retry_job(db, actor="admin@cafeterra.es", job_id=job.id)
    db.commit()
    assert target.status == TargetStatus.PUBLISHED and target.error is None
    assert post.status == PostStatus.ARCHIVED
    assert work(factory) == [Outcome.DELETED]
    db.expire_all()
    assert target.status == TargetStatus.DELETED and fake_mastodon.live() == []


def test_a_deletion_whose_publication_changed_is_cancelled(
    db: Session, factory: sessionmaker[Session]
) -> None:
    post = _published(db, factory, [account(db)])
    enqueue_delete(db, post_id=post.id, actor=ACTOR)
    post.targets[0].status = TargetStatus.DELETED.value  # taken down by other means
    db.commit()
    assert work(factory) == [Outcome.DELETED]  # nothing left to do: done
    (job,) = _delete_jobs(db)
    assert job.status == JobStatus.DONE


# --- the lease heartbeat --------------------------------------------------------------------


def _slow_sandbox(live: Live, seconds: float) -> Callable[[SocialAccount], Publisher]:
    def build(target_account: SocialAccount) -> Publisher:
        return SandboxConnector(
            sessions=live.sessions,
            account_id=target_account.id,
            handle=target_account.handle,
            delay_seconds=seconds,
        )

    return build


@pytest.mark.parametrize("heartbeat", [True, False], ids=["heartbeat", "no-heartbeat"])
def test_a_slow_publication_keeps_its_lease_while_its_worker_lives(
    live: Live, heartbeat: bool
) -> None:
    """The publication takes 2.5 leases; without renewal another worker takes the job over
    (the idempotency key still prevents a second post); with it, nobody does."""
    lease = 1.0
    with transaction(live.sessions) as session:
        scheduled_post(session, accounts=[account(session)], user=author(session))
    with transaction(live.sessions) as session:
        (job_id,) = claim_jobs(session, worker_id="slow", limit=1, lease_seconds=lease)

    outcome: list[Outcome] = []
    worker = threading.Thread(
        target=lambda: outcome.append(
            process_job(
                live.sessions,
                job_id=job_id,
                worker_id="slow",
                publisher_for=_slow_sandbox(live, 2.5 * lease),
                heartbeat_seconds=lease / 8 if heartbeat else None,
            )
        )
    )
    worker.start()
    taken: list[int] = []
    deadline = time.monotonic() + 2.5 * lease
    while time.monotonic() < deadline and not taken:
        time.sleep(lease / 10)
        with transaction(live.sessions) as session:
            taken = claim_jobs(session, worker_id="other", limit=1, lease_seconds=lease)
    worker.join(10)

    if heartbeat:
        assert taken == [] and outcome == [Outcome.PUBLISHED]
        with live.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None and (job.status, job.attempts) == (JobStatus.DONE, 1)
    else:
        assert taken == [job_id] and outcome == [Outcome.LOST]
    with live.sessions() as session:
        assert len(session.execute(select(SandboxPost)).scalars().all()) == 1


def test_extend_lease_only_renews_a_job_the_worker_still_holds(
    db: Session, factory: sessionmaker[Session]
) -> None:
    scheduled_post(db, accounts=[account(db)])
    db.commit()
    with transaction(factory) as session:
        (job_id,) = claim_jobs(session, worker_id="a", limit=1, lease_seconds=60)
    later = utcnow() + timedelta(seconds=30)
    with transaction(factory) as session:
        assert extend_lease(session, job_id=job_id, worker_id="a", now=later)
        assert not extend_lease(session, job_id=job_id, worker_id="b", now=later)
    db.expire_all()
    job = db.get(Job, job_id)
    assert job is not None and job.locked_at == later and job.locked_by == "a"
