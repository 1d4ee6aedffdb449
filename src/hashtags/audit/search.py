"""Reading the audit log with filters, a page at a time (the web app's audit page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hashtags.audit.models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; empty fields match everything."""

    actor: str = ""
    """Part of the actor's e-mail (case-insensitive)."""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    """From the start of this day (UTC)."""
    until: date | None = None
    """To the end of this day (UTC)."""


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    """Newest first."""
    newer: int | None
    """``after`` for the page of newer events, when there are any."""
    older: int | None
    """``before`` for the page of older events, when there are any."""


def _day(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)


def search(
    session: Session,
    *,
    where: AuditFilter,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of matching events, newest first: the newest ones, those just older than event
    ``before``, or those just newer than event ``after``."""
    query = select(AuditEvent)
    if where.actor.strip():
        pattern = "%" + _escape(where.actor.strip().lower()) + "%"
        query = query.where(func.lower(AuditEvent.actor).like(pattern, escape="\\"))
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.target_type:
        query = query.where(AuditEvent.target_type == where.target_type)
    if where.target_id.strip():
        query = query.where(AuditEvent.target_id == where.target_id.strip())
    if where.since is not None:
        query = query.where(AuditEvent.at >= _day(where.since))
    if where.until is not None:
        query = query.where(AuditEvent.at < _day(where.until + timedelta(days=1)))
    if after is not None:
        page = query.where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(size)
        events = list(reversed(list(session.execute(page).scalars())))
    else:
        page = query.where(AuditEvent.seq < before) if before is not None else query
        page = page.order_by(AuditEvent.seq.desc()).limit(size)
        events = list(session.execute(page).scalars())
    if not events:
        return AuditPage([], None, None)
    newest, oldest = events[0].seq, events[-1].seq
    newer = newest if _any(session, query.where(AuditEvent.seq > newest)) else None
    older = oldest if _any(session, query.where(AuditEvent.seq < oldest)) else None
    return AuditPage(events, newer, older)


def _any(session: Session, query: Select[AuditEvent]) -> bool:
    return session.execute(query.limit(1)).first() is not None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The actions and target types that occur in the log, for the filters' lists."""
    actions = session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = session.execute(
        select(AuditEvent.target_type).distinct().order_by(AuditEvent.target_type)
    )
    return list(actions.scalars()), list(types.scalars())
