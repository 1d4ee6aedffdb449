"""Appending to the audit chain, verifying it and exporting it.

Each event's hash covers its own fields and the previous event's hash, so changing, inserting
or deleting any event breaks the chain from that point on, and ``verify`` says where.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hashtags.audit.models import AuditEvent, AuditHead
from hashtags.errors import Message
from hashtags.storage.db import utcnow

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | int,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the work)."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        reason=reason,
        prev_hash=head.hash,
    )
    event.hash = digest(event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """One break in the chain: at which event (None: at its end) and what is wrong there, as
    a message id and values (shown in the reader's language). ``str()``: English."""

    seq: int | None
    said: Message

    def __str__(self) -> str:
        return f"event {self.seq}: {self.said}" if self.seq is not None else str(self.said)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    events: int
    problems: list[ChainBreak]


def verify(session: Session) -> Verification:
    """Walk the chain from the first event; report every break with its position."""
    problems: list[ChainBreak] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    last: AuditEvent | None = None
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                said = Message(
                    "expected event %(expected)s here: events deleted before it",
                    expected=expected_seq,
                )
            else:
                said = Message(
                    "expected event %(expected)s here: event inserted before it",
                    expected=expected_seq,
                )
            problems.append(ChainBreak(event.seq, said))
        if event.prev_hash != expected_prev:
            problems.append(ChainBreak(event.seq, Message("does not link to the event before it")))
        if digest(event) != event.hash:
            problems.append(
                ChainBreak(event.seq, Message("its content was changed after it was written"))
            )
        expected_prev = event.hash
        expected_seq = event.seq + 1
        last = event
    head = session.get(AuditHead, 1)
    if head is not None and (last is None or head.seq != last.seq or head.hash != last.hash):
        if last is None:
            said = Message(
                "the chain should end at event %(head)s but has no events: "
                "all of them were deleted",
                head=head.seq,
            )
        else:
            said = Message(
                "the chain should end at event %(head)s but ends at %(last)s: "
                "events were deleted from the end",
                head=head.seq,
                last=last.seq,
            )
        problems.append(ChainBreak(None, said))
    return Verification(ok=not problems, events=count, problems=problems)


EXPORT_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
)


def _row(event: AuditEvent) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(event, name) for name in EXPORT_FIELDS}
    at: datetime = out["at"]
    out["at"] = at.isoformat()
    return out


def export(session: Session, fmt: str) -> Iterator[str]:
    """The whole log as JSON Lines or CSV, in chain order, streamed."""
    events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    if fmt == "jsonl":
        for event in events:
            yield json.dumps(_row(event), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for event in events:
        row = _row(event)
        row["before"] = json.dumps(row["before"], ensure_ascii=False)
        row["after"] = json.dumps(row["after"], ensure_ascii=False)
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def events_for(
    session: Session, *, targets: Iterable[tuple[str, str | int]], limit: int = 500
) -> list[AuditEvent]:
    """The events about any of ``targets`` (``(target_type, target_id)`` pairs), in chain
    order: a post's history is its own events, its approval requests' and its targets'."""
    wanted = [(kind, str(target_id)) for kind, target_id in targets]
    if not wanted:
        return []
    condition = or_(
        *(
            and_(AuditEvent.target_type == kind, AuditEvent.target_id == target_id)
            for kind, target_id in wanted
        )
    )
    query = select(AuditEvent).where(condition).order_by(AuditEvent.seq).limit(limit)
    return list(session.execute(query).scalars())
