"""The service's commands (db upgrade, demo, audit verify/export, serve, worker) and the demo
workspace itself."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hashtags.accounts.models import SocialAccount
from hashtags.approvals import service as approvals
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.cli import app
from hashtags.connectors.models import SandboxPost
from hashtags.demo.workspace import create_demo_workspace, demo_exists
from hashtags.errors import Conflict, InvalidInput
from hashtags.people.models import User
from hashtags.people.permissions import Role
from hashtags.people.service import Actor
from hashtags.posts import service as posts_service
from hashtags.posts.models import Post, PostStatus, TargetStatus
from hashtags.publishing.models import Job, JobStatus
from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Category
from hashtags.storage.db import make_engine, make_sessionmaker, utcnow

runner = CliRunner()
PASSWORD = "Demo-Cafeterra-2026"


def test_demo_workspace_covers_every_role_state_and_category(db: Session) -> None:
    policy = demo_policy()
    workspace = create_demo_workspace(db, password=PASSWORD, policy=policy)
    roles = {Role(u.role) for u in db.execute(select(User)).scalars()}
    assert roles == set(Role)
    assert {p.email for p in workspace.people} >= {"admin@cafeterra.es", "marta.gil@cafeterra.es"}
    posts = list(db.execute(select(Post).order_by(Post.id)).scalars())
    # Every state a post rests in; "published" is passed through on the way to "archived".
    assert {p.status for p in posts} == {s.value for s in PostStatus} - {PostStatus.PUBLISHED}
    found = {f["category"] for p in posts for f in p.review["findings"]}
    assert found == {c.value for c in Category}
    assert workspace.categories == sorted(found)
    brand = db.execute(select(SocialAccount).where(SocialAccount.kind == "brand")).scalars()
    by_policy = {a.policy_id: a for a in brand}
    assert set(by_policy) == {a.id for a in policy.accounts}
    assert all(a.network == "sandbox" for a in by_policy.values())
    for post in posts:
        assert post.verdict == post.review["verdict"] and post.policy_version == policy.version
    assert verify(db).ok
    with pytest.raises(Conflict, match="already in this database"):
        create_demo_workspace(db, password=PASSWORD, policy=policy)


def _actor(db: Session, email: str) -> Actor:
    user = db.execute(select(User).where(User.email == email)).scalar_one()
    return Actor(user.id, user.email, Role(user.role), "session")


def test_every_demo_state_was_reached_through_the_services(db: Session) -> None:
    """Not rows written to look right: approval requests in queues, jobs in the outbox,
    posts on the sandbox, and the audit trail of each step."""
    workspace = create_demo_workspace(db, password=PASSWORD, policy=demo_policy())
    by_status: dict[str, list[Post]] = {}
    for post in db.execute(select(Post).order_by(Post.id)).scalars():
        by_status.setdefault(post.status, []).append(post)

    # In review: an open request each, in the queue of compliance and of PR, not the author's.
    in_review = {p.id for p in by_status[PostStatus.IN_REVIEW]}
    assert len(in_review) == workspace.pending_approvals == 2
    for email in ("compliance@cafeterra.es", "lucia.ortega@cafeterra.es"):
        queued = {r.post_id for r in approvals.queue(db, actor=_actor(db, email))}
        assert queued == in_review, email
    assert approvals.queue(db, actor=_actor(db, "empleado@cafeterra.es")) == []

    # Decisions were taken by the approvers, with their comments.
    for status, decision in [
        (PostStatus.CHANGES_REQUESTED, "request_changes"),
        (PostStatus.REJECTED, "reject"),
        (PostStatus.APPROVED, "approve"),
        (PostStatus.SCHEDULED, "approve"),
    ]:
        (post,) = by_status[status]
        (request,) = approvals.requests_for(db, post_id=post.id)
        (made,) = request.decisions
        assert made.decision == decision and made.user_id != post.author_id
        assert decision == "approve" or made.comment

    # Scheduled: queued in the outbox for later, one job per account.
    (scheduled,) = by_status[PostStatus.SCHEDULED]
    jobs = db.execute(select(Job).where(Job.status == JobStatus.QUEUED)).scalars().all()
    assert {j.payload["post_id"] for j in jobs} == {scheduled.id}
    assert len(jobs) == len(scheduled.targets) == 2
    assert all(j.next_attempt_at == scheduled.scheduled_at > utcnow() for j in jobs)

    # Published by the outbox: on the sandbox network, then archived with their review.
    published = [
        p for p in by_status[PostStatus.ARCHIVED] if p.targets[0].status == TargetStatus.PUBLISHED
    ]
    assert len(published) == 2 and workspace.published == 3
    sandbox = {str(s.id): s for s in db.execute(select(SandboxPost)).scalars()}
    for post in published:
        for target in post.targets:
            assert target.status == TargetStatus.PUBLISHED
            remote = sandbox[target.external_id or ""]
            assert (remote.text, remote.account_id) == (post.text, target.account_id)
    # Withdrawn: archived by its author before publication.
    withdrawn = [p for p in by_status[PostStatus.ARCHIVED] if p not in published]
    assert [t.status for p in withdrawn for t in p.targets] == [TargetStatus.PENDING]

    # Failed: the sandbox refused it, and the target and the job say why.
    (failed,) = by_status[PostStatus.FAILED]
    assert "more than the 500 this network accepts" in (failed.targets[0].error or "")
    (job,) = db.execute(select(Job).where(Job.status == JobStatus.FAILED)).scalars()
    assert job.last_error == failed.targets[0].error

    # Blocked: drafts whose review blocks them; submitting one is refused.
    blocked = [p for p in by_status[PostStatus.DRAFT] if p.verdict == "block"]
    assert len(blocked) == 7 and len(by_status[PostStatus.DRAFT]) == 8
    author = db.get(User, blocked[0].author_id)
    assert author is not None
    with pytest.raises(Conflict, match="the review blocks it"):
        posts_service.submit_post(
            db,
            actor=_actor(db, author.email),
            engine=Engine(demo_policy()),
            post_id=blocked[0].id,
        )

    # The settled posts are dated over the last weeks (for the charts), each story in order;
    # what waits for someone is today's.
    now = utcnow()
    settled = [*published, *withdrawn, *blocked, *by_status[PostStatus.REJECTED]]
    weeks = {(now - p.created_at).days // 7 for p in settled}
    assert len(weeks) >= 5 and max(weeks) <= 8, weeks
    for post in published:
        assert all(post.created_at <= (t.published_at or now) < now for t in post.targets)
    (rejected,) = by_status[PostStatus.REJECTED]
    (request,) = approvals.requests_for(db, post_id=rejected.id)
    assert rejected.created_at <= request.created_at <= (request.decided_at or now) < now
    for post in (*by_status[PostStatus.IN_REVIEW], failed, scheduled):
        assert (now - post.created_at).total_seconds() < 600

    actions = [e.action for e in db.execute(select(AuditEvent)).scalars()]
    for action in ("post.submit", "approval.open", "approval.approve", "approval.reject"):
        assert action in actions
    assert actions.count("publish.done") == 3 and actions.count("publish.fail") == 1


def test_demo_refuses_a_weak_password(db: Session) -> None:
    with pytest.raises(InvalidInput, match="password"):
        create_demo_workspace(db, password="short", policy=demo_policy())
    assert not demo_exists(db)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A scratch SQLite file as the configured database (and no stray .env)."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("HASHTAGS_DATABASE_URL", url)
    monkeypatch.setenv("HASHTAGS_ENV", "test")
    return url


def test_db_upgrade_demo_and_audit_commands(database_url: str, tmp_path: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "is up to date" in upgraded.output

    weak = runner.invoke(app, ["demo", "--password", "weak"])
    assert weak.exit_code == 4 and "--password" in weak.stderr

    made = runner.invoke(app, ["demo", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert "admin@cafeterra.es" in made.output and PASSWORD in made.output
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 4 and "already" in again.stderr
    accepted = runner.invoke(app, ["demo", "--if-absent"])
    assert accepted.exit_code == 0 and "nothing changed" in accepted.output

    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0 and "intact" in intact.output

    jsonl = tmp_path / "audit.jsonl"
    assert runner.invoke(app, ["audit", "export", "-o", str(jsonl)]).exit_code == 0
    events = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["action"] == "user.create"
    exported = runner.invoke(app, ["audit", "export", "--format", "csv"])
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == len(events) and rows[-1]["hash"] == events[-1]["hash"]
    bad = runner.invoke(app, ["audit", "export", "--format", "xml"])
    assert bad.exit_code == 2 and "jsonl, csv" in bad.stderr

    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="intruder"))
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "event 3: its content was changed after it was written" in broken.stderr


def test_commands_refuse_a_default_secret_in_production(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HASHTAGS_ENV", "production")
    for command in (["serve"], ["worker"], ["db", "upgrade"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 4, command
        assert "HASHTAGS_SECRET_KEY" in result.stderr


def test_audit_verify_says_when_the_database_is_not_set_up(database_url: str) -> None:
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 4
    assert "hashtags db upgrade" in result.stderr


def test_worker_without_the_publishing_domain_says_so(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "hashtags.publishing.worker", None)
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 4
    assert "publishing worker is not available" in result.stderr
