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
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.cli import app
from hashtags.demo.workspace import DEMO_PEOPLE, create_demo_workspace, demo_exists
from hashtags.errors import Conflict, InvalidInput
from hashtags.people.models import User
from hashtags.people.permissions import Role
from hashtags.posts.models import Post, PostStatus
from hashtags.review.service import demo_policy
from hashtags.review.types import Category
from hashtags.storage.db import make_engine, make_sessionmaker

runner = CliRunner()
PASSWORD = "Demo-Cafeterra-2026"


def test_demo_workspace_covers_every_role_state_and_category(db: Session) -> None:
    policy = demo_policy()
    workspace = create_demo_workspace(db, password=PASSWORD, policy=policy)
    roles = {Role(u.role) for u in db.execute(select(User)).scalars()}
    assert roles == set(Role)
    assert {p.email for p in workspace.people} >= {"admin@cafeterra.es", "marta.gil@cafeterra.es"}
    posts = list(db.execute(select(Post)).scalars())
    assert {p.status for p in posts} == {s.value for s in PostStatus}
    found = {f["category"] for p in posts for f in p.review["findings"]}
    assert found == {c.value for c in Category}
    assert workspace.categories == sorted(found)
    brand = db.execute(select(SocialAccount).where(SocialAccount.kind == "brand")).scalars()
    by_policy = {a.policy_id: a for a in brand}
    assert set(by_policy) == {a.id for a in policy.accounts}
    assert all(a.network == "sandbox" for a in by_policy.values())
    for post in posts:
        assert post.verdict == post.review["verdict"] and post.policy_version == policy.version
        if post.status == PostStatus.PUBLISHED:
            assert post.targets and all(t.external_id for t in post.targets)
        if post.status == PostStatus.SCHEDULED:
            assert post.scheduled_at is not None
    result = verify(db)
    assert result.ok and result.events >= len(DEMO_PEOPLE) + len(posts)
    with pytest.raises(Conflict, match="already in this database"):
        create_demo_workspace(db, password=PASSWORD, policy=policy)


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
