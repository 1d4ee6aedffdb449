"""The audit chain detects any edit, insertion or deletion, and says where."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from hashtags.audit.models import AuditEvent, AuditHead
from hashtags.audit.service import GENESIS, digest, export, record, verify


def _five(db: Session) -> None:
    for i in range(5):
        record(
            db,
            actor="ana@cafeterra.es",
            action="post.edit",
            target_type="post",
            target_id=i,
            before={"text": f"v{i}"},
            after={"text": f"v{i + 1}", "emoji": "☕"},
        )
    db.flush()


def test_intact_chain_verifies(db: Session) -> None:
    _five(db)
    result = verify(db)
    assert result.ok and result.events == 5 and result.problems == []
    first = db.get(AuditEvent, 1)
    assert first is not None and first.prev_hash == GENESIS and first.hash == digest(first)


def test_edit_is_detected(db: Session) -> None:
    _five(db)
    db.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone@else"))
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "event 3: its content was changed after it was written"
    ]


def test_deletion_in_the_middle_is_detected(db: Session) -> None:
    _five(db)
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    result = verify(db)
    assert "event 3: expected event 2 here: events deleted before it" in map(str, result.problems)
    assert "event 3: does not link to the event before it" in map(str, result.problems)


def test_deletion_at_the_end_is_detected(db: Session) -> None:
    _five(db)
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    result = verify(db)
    assert [str(p) for p in result.problems] == [
        "the chain should end at event 5 but ends at 4: events were deleted from the end"
    ]


def test_insertion_is_detected(db: Session) -> None:
    _five(db)
    forged = db.get(AuditEvent, 3)
    assert forged is not None
    db.execute(update(AuditEvent).where(AuditEvent.seq >= 3).values(seq=AuditEvent.seq + 10))
    db.execute(update(AuditHead).values(seq=AuditHead.seq + 10))
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert any(str(p).startswith("event 13: expected event 3 here") for p in result.problems)


def test_export_jsonl_and_csv(db: Session) -> None:
    _five(db)
    lines = "".join(export(db, "jsonl")).splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4, 5]
    assert json.loads(lines[0])["after"] == {"text": "v1", "emoji": "☕"}
    rows = list(csv.DictReader(io.StringIO("".join(export(db, "csv")))))
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert json.loads(rows[4]["before"]) == {"text": "v4"}
