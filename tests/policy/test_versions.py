"""Policy versions saved from the web app: saving (checked, audited), history, diffs, the source
in force, and the service enforcing the newest version in every process, on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.errors import Conflict, InvalidInput, NotFound
from hashtags.people.permissions import Role
from hashtags.people.service import Actor
from hashtags.policy import versions
from hashtags.policy.active import EnforcedPolicy, enforced_policy
from hashtags.policy.models import PolicyVersion
from hashtags.settings import Settings
from tests.support.api import Person

DEMO = (resources.files("hashtags.demo") / "policy.yaml").read_text("utf-8")
WITH_CODE_NAME = DEMO.replace('version: "2026.11"', 'version: "2026.12"').replace(
    "terms: [Proyecto Tucán, Tueste Nocturno]",
    "terms: [Proyecto Tucán, Tueste Nocturno, Proyecto Quetzal]",
)
LEAK = "Mañana presentamos el proyecto quetzal en Madrid"
ME = Actor(1, "lucia.ortega@cafeterra.es", Role.COMPLIANCE, "session")


def save(db: Session, settings: Settings, text: str, *, base: int | None = None) -> PolicyVersion:
    return versions.save_version(
        db,
        actor=ME,
        source=text,
        comment="Proyecto Quetzal is confidential",
        settings=settings,
        base=base,
    )


# --- saving --------------------------------------------------------------------------------


def test_a_saved_version_is_numbered_audited_and_in_force(db: Session, settings: Settings) -> None:
    assert versions.current_source(db, settings=settings).origin == "demo"
    version = save(db, settings, WITH_CODE_NAME)
    assert version.number == 1
    assert version.author == ME.email
    assert version.sha256 == versions.sha256_of(WITH_CODE_NAME)
    in_force = versions.current_source(db, settings=settings)
    assert (in_force.origin, in_force.number, in_force.text) == ("version", 1, WITH_CODE_NAME)

    event = db.execute(select(AuditEvent).where(AuditEvent.action == "policy.save")).scalar_one()
    assert event.actor == ME.email
    assert (event.target_type, event.target_id) == ("policy_version", "1")
    assert event.before == {"version": None, "origin": "demo", "sha256": versions.sha256_of(DEMO)}
    assert event.after == {
        "version": 1,
        "origin": "version",
        "sha256": versions.sha256_of(WITH_CODE_NAME),
    }
    assert event.reason == "Proyecto Quetzal is confidential"
    assert verify(db).ok

    second = save(db, settings, WITH_CODE_NAME + "\n# reviewed\n", base=1)
    assert second.number == 2
    last = db.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert last.before["version"] == 1 and last.after["version"] == 2


def test_invalid_yaml_is_refused_with_its_line(db: Session, settings: Settings) -> None:
    broken = DEMO.replace("confidential:\n  terms: [", "confidential:\n  terms: [[", 1)
    with pytest.raises(versions.InvalidPolicy) as caught:
        save(db, settings, broken)
    problem = caught.value.problems[0]
    assert problem.line is not None and problem.line >= 16
    assert "invalid YAML" in problem.message
    assert db.execute(select(PolicyVersion)).first() is None  # nothing saved
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "policy.save")).first() is None


def test_schema_errors_name_each_line_and_key(db: Session, settings: Settings) -> None:
    text = DEMO.replace("industry: general", "industry: banking").replace(
        "  severity: high\n    action: review", "  severity: extreme\n    action: review", 1
    )
    with pytest.raises(versions.InvalidPolicy) as caught:
        save(db, settings, text)
    lines = {p.key: p.line for p in caught.value.problems}
    assert lines["organization.industry"] == DEMO.splitlines().index("  industry: general") + 1
    assert "banking" in str(caught.value)
    assert str(caught.value).startswith("the policy cannot be used as it is:\npolicy.yaml:")


@pytest.mark.parametrize(
    ("comment", "message"), [("", "comment"), ("  ", "comment"), ("x" * 501, "at most 500")]
)
def test_a_save_needs_a_comment(
    db: Session, settings: Settings, comment: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        versions.save_version(
            db, actor=ME, source=WITH_CODE_NAME, comment=comment, settings=settings, base=None
        )


def test_saving_the_policy_in_force_again_is_refused(db: Session, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="nothing changed"):
        save(db, settings, DEMO)


def test_a_version_saved_meanwhile_is_not_silently_undone(db: Session, settings: Settings) -> None:
    save(db, settings, WITH_CODE_NAME)
    with pytest.raises(Conflict, match="saved version 1"):
        save(db, settings, WITH_CODE_NAME + "\n# mine\n", base=None)
    assert versions.newest_number(db) == 1


def test_the_file_is_in_force_until_a_version_is_saved(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(DEMO.replace("2026.11", "2026.10"), encoding="utf-8")
    configured = settings.model_copy(update={"policy_path": path})
    source = versions.current_source(db, settings=configured)
    assert (source.origin, source.name) == ("file", str(path))
    version = save(db, configured, WITH_CODE_NAME)
    assert versions.current_source(db, settings=configured).number == version.number


# --- reading -------------------------------------------------------------------------------


def test_history_newest_first_and_diffs_with_line_numbers(db: Session, settings: Settings) -> None:
    save(db, settings, WITH_CODE_NAME)
    third_line = WITH_CODE_NAME.replace("Tueste Nocturno, ", "")
    save(db, settings, third_line, base=1)
    assert [v.number for v in versions.list_versions(db)] == [2, 1]
    assert versions.get_version(db, number=1).source == WITH_CODE_NAME
    with pytest.raises(NotFound):
        versions.get_version(db, number=99)

    first = versions.diff_version(db, number=1, settings=settings)
    assert first.old_name == "demo/policy.yaml"
    changed = [line for hunk in first.hunks for line in hunk if line.kind != "same"]
    assert [(c.kind, c.old, c.new) for c in changed] == [
        ("removed", 2, None),
        ("added", None, 2),
        ("removed", 16, None),
        ("added", None, 16),
    ]
    assert "Proyecto Quetzal" in changed[-1].text
    assert (first.added, first.removed) == (2, 2)
    assert "+  terms: [Proyecto Tucán, Tueste Nocturno, Proyecto Quetzal]" in first.unified()

    second = versions.diff_versions(db, old=1, new=2)
    assert second.added == second.removed == 1
    assert versions.diff(DEMO, DEMO).unchanged


def test_preview_lists_the_posts_a_change_would_judge_differently(
    db: Session, settings: Settings, people: dict[Role, Person]
) -> None:
    from hashtags.people.models import User
    from hashtags.posts.models import Post
    from hashtags.review.engine import Engine

    author = db.execute(select(User).where(User.email == people[Role.PR].email)).scalar_one()
    for text in (LEAK, "Buenos días, ¡café recién hecho!"):
        db.add(Post(author_id=author.id, text=text, status="draft"))
    db.flush()
    approver = db.execute(
        select(User).where(User.email == people[Role.COMPLIANCE].email)
    ).scalar_one()
    viewer = Actor(approver.id, approver.email, Role.COMPLIANCE, "session")
    old = Engine(versions.check_source(DEMO).policy)
    new = versions.check_source(WITH_CODE_NAME).engine
    preview = versions.preview_change(db, actor=viewer, old=old, new=new, limit=10)
    assert preview.reviewed == 2
    [changed] = preview.changed
    assert changed.text == LEAK
    assert (changed.old_verdict, changed.new_verdict) == ("allow", "block")
    assert changed.added_rules == ("confidential.policy-term",)


def test_an_unchanged_version_field_is_a_warning_not_an_error() -> None:
    in_force = versions.check_source(DEMO).policy
    same_version = WITH_CODE_NAME.replace('"2026.12"', '"2026.11"')
    [warning] = versions.check_source(same_version, in_force=in_force).warnings
    assert (warning.key, warning.line) == ("version", 2)
    assert not versions.check_source(WITH_CODE_NAME, in_force=in_force).warnings


# --- the service enforces the newest version -----------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def policy_queries(db: Session) -> Iterator[list[str]]:
    """The statements on the policy_versions table while the block runs."""
    seen: list[str] = []

    def listen(*args: Any) -> None:
        if "policy_versions" in str(args[2]):
            seen.append(str(args[2]))

    engine = db.connection().engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_every_process_follows_the_newest_version_within_the_check_interval(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    clock = Clock()
    one = EnforcedPolicy(settings, factory, clock=clock)
    two = EnforcedPolicy(settings, factory, clock=clock)
    assert one.engine().review(LEAK).verdict == "allow"
    assert two.engine().review(LEAK).verdict == "allow"
    engine_before = two.engine()

    save(db, settings, WITH_CODE_NAME)
    clock.now += 1.0  # within the interval: the engine in force, and no query for it
    with policy_queries(db) as queries:
        for _ in range(100):
            assert two.engine() is engine_before
    assert not queries

    clock.now += 1.5  # past it: one query finds version 1, which both enforce from now on
    with policy_queries(db) as queries:
        assert two.engine().review(LEAK).verdict == "block"
        assert one.engine().review(LEAK).verdict == "block"
        assert two.engine().review(LEAK).verdict == "block"
    assert two.number == one.number == 1
    assert len(queries) == 4  # the newest number, then the version's text; in each process
    assert two.engine() is two.engine()


def test_the_saving_process_rechecks_at_once(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    clock = Clock()
    enforced = EnforcedPolicy(settings, factory, clock=clock)
    enforced.engine()
    save(db, settings, WITH_CODE_NAME)
    enforced.recheck()
    assert enforced.engine().review(LEAK).verdict == "block"


def test_on_the_event_loop_the_check_runs_in_a_background_thread(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    clock = Clock()
    enforced = EnforcedPolicy(settings, factory, clock=clock)
    before = enforced.engine_nowait()  # the first call waits: there is nothing to enforce yet
    save(db, settings, WITH_CODE_NAME)
    clock.now += 5
    threads: list[str] = []
    engine = db.connection().engine

    def listen(*args: Any) -> None:
        if "policy_versions" in str(args[2]):
            threads.append(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert enforced.engine_nowait() is before  # served at once, the check goes on aside
        deadline = time.monotonic() + 10
        while enforced.number != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert enforced.number == 1
    assert enforced.engine_nowait().review(LEAK).verdict == "block"
    assert threads and set(threads) == {"policy-check"}


def test_after_a_recheck_the_event_loop_waits_for_the_saved_version(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    enforced = EnforcedPolicy(settings, factory, clock=Clock())
    enforced.engine_nowait()
    save(db, settings, WITH_CODE_NAME)
    enforced.recheck()
    assert enforced.engine_nowait().review(LEAK).verdict == "block"


def test_a_version_that_no_longer_loads_leaves_the_engine_in_force(
    db: Session,
    factory: sessionmaker[Session],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    enforced = EnforcedPolicy(settings, factory, clock=clock)
    engine = enforced.engine()
    db.add(PolicyVersion(number=1, source="organization: [", sha256="x", author="a", comment="c"))
    db.flush()
    clock.now += 5
    assert enforced.engine() is engine
    assert "policy version 1 cannot be enforced" in caplog.text
    assert enforced.number is None


def test_the_review_api_and_posts_enforce_a_saved_version(
    client: TestClient,
    people: dict[Role, Person],
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    pr = people[Role.PR].headers

    def verdict() -> str:
        response = client.post("/api/v1/review", json={"text": LEAK}, headers=pr)
        assert response.status_code == 200, response.text
        return str(response.json()["verdict"])

    assert verdict() == "allow"
    with factory() as db, db.begin():
        save(db, settings, WITH_CODE_NAME)
    enforced = enforced_policy(client.app)
    assert verdict() == "allow"  # until this process checks again (at most 2 s)
    enforced.recheck()
    assert verdict() == "block"
    assert enforced.number == 1

    account = client.post(
        "/api/v1/accounts",
        json={
            "kind": "brand",
            "network": "sandbox",
            "handle": "@cafeterra@mastodon.social",
            "policy_id": "cafeterra-mastodon",
        },
        headers=people[Role.ADMIN].headers,
    )
    assert account.status_code == 201, account.text
    draft = client.post(
        "/api/v1/posts", json={"text": LEAK, "account_ids": [account.json()["id"]]}, headers=pr
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["verdict"] == "block"  # posts are reviewed by the same engine


def test_engines_are_compiled_once_per_version(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    clock = Clock()
    enforced = EnforcedPolicy(settings, factory, clock=clock)
    first = enforced.engine()
    for _ in range(3):
        clock.now += 3
        assert enforced.engine() is first  # checked, unchanged: the same engine
    save(db, settings, WITH_CODE_NAME)
    clock.now += 3
    assert enforced.engine() is not first


def test_saving_needs_no_service_restart_for_the_next_reader(
    db: Session, settings: Settings, factory: sessionmaker[Session]
) -> None:
    save(db, settings, WITH_CODE_NAME)
    fresh = EnforcedPolicy(settings, factory)
    assert fresh.engine().policy.version == "2026.12"
    assert fresh.number == 1
