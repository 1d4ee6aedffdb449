"""The audit log: read with filters, verify the chain, export for regulators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from hashtags.api.deps import DbSession, require
from hashtags.audit import service
from hashtags.audit.models import AuditEvent
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[Actor, require(Permission.AUDIT_READ)]


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    before: Any
    after: Any
    reason: str | None
    hash: str


class VerificationOut(BaseModel):
    ok: bool
    events: int
    problems: list[str]


@router.get("/events")
def events(
    db: DbSession,
    actor: Auditor,
    action: str | None = None,
    who: Annotated[str | None, Query(alias="actor")] = None,
    target_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> list[EventOut]:
    """Newest first; page with ``before_seq``."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if who:
        query = query.where(AuditEvent.actor == who)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if before_seq:
        query = query.where(AuditEvent.seq < before_seq)
    return [
        EventOut(**{f: getattr(e, f) for f in EventOut.model_fields})
        for e in db.execute(query).scalars()
    ]


@router.get("/verify")
def verify(db: DbSession, actor: Auditor) -> VerificationOut:
    result = service.verify(db)
    return VerificationOut(
        ok=result.ok, events=result.events, problems=[str(p) for p in result.problems]
    )


@router.get("/export")
def export(
    db: DbSession, actor: Auditor, format: Literal["jsonl", "csv"] = "jsonl"
) -> StreamingResponse:
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    body = "".join(service.export(db, format))  # within the request's transaction
    return StreamingResponse(iter([body]), media_type=media)
