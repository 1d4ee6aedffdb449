"""Calendar, queue and archive: when posts go out, what went out, and the crisis freeze.

The month grid shows every post with a publication time in the month (scheduled, published,
failed, or waiting for approval with a time chosen); the queue lists what is scheduled next.
The crisis freeze (all accounts, or one) is on the calendar page for the roles that may pull
it (``crisis.freeze``), next to what it stops. The archive searches the published posts.
"""

from __future__ import annotations

import calendar as calendars
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hashtags.accounts.service import list_accounts
from hashtags.api.deps import DbSession
from hashtags.crisis import service as crisis
from hashtags.errors import DomainError
from hashtags.people.permissions import Permission
from hashtags.posts import service as posts
from hashtags.posts.models import Post, PostStatus, TargetStatus
from hashtags.storage.db import utcnow
from hashtags.web.deps import (
    Form,
    NavItem,
    Viewer,
    check_csrf,
    error_text,
    field_text,
    page,
    redirect,
    render,
)
from hashtags.web.i18n import N_
from hashtags.web.pages.posts import LABELS, VERDICT_LABELS

router = APIRouter()
NAV = [
    NavItem(N_("Calendar"), "/calendar", Permission.POSTS_READ, order=30),
    NavItem(N_("Archive"), "/archive", Permission.POSTS_READ, order=35),
]
Reader = Annotated[Viewer, page(Permission.POSTS_READ)]
Responder = Annotated[Viewer, page(Permission.CRISIS_FREEZE)]

ON_CALENDAR = [
    PostStatus.IN_REVIEW.value,
    PostStatus.APPROVED.value,
    PostStatus.SCHEDULED.value,
    PostStatus.PUBLISHED.value,
    PostStatus.FAILED.value,
    PostStatus.ARCHIVED.value,
]
"""Posts with a publication time that belong on the calendar (drafts' times are wishes)."""
MONTH_LIMIT = 1_000
QUEUE_LIMIT = 30
ARCHIVE_PAGE = 20
WEEKDAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
MONTHS = [
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
]


def _month(raw: str | None, today: date) -> date:
    """The first day of the month asked for (``YYYY-MM``); this month when absent or odd."""
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-", 1))
            if 1970 <= year <= 9998 and 1 <= month <= 12:
                return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def _handles(db: Session, items: list[Post]) -> dict[int, list[str]]:
    return {post.id: [a.handle for a in posts.accounts_of(db, post)] for post in items}


def _calendar_context(db: Session, viewer: Viewer, month: date) -> dict[str, Any]:
    now = utcnow()
    weeks = calendars.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    in_grid = posts.search_posts(
        db,
        actor=viewer.actor,
        statuses=ON_CALENDAR,
        scheduled_from=_midnight(first),
        scheduled_until=_midnight(last + timedelta(days=1)),
        by_schedule=True,
        limit=MONTH_LIMIT,
    )
    by_day: dict[date, list[Post]] = {}
    for post in in_grid.posts:
        if post.scheduled_at is not None:
            by_day.setdefault(post.scheduled_at.astimezone(UTC).date(), []).append(post)
    upcoming = posts.search_posts(
        db,
        actor=viewer.actor,
        statuses=[PostStatus.SCHEDULED.value],
        by_schedule=True,
        limit=QUEUE_LIMIT,
    )
    can_freeze = viewer.can(Permission.CRISIS_FREEZE)
    return {
        "month": month,
        "month_name": MONTHS[month.month - 1],
        "weeks": weeks,
        "weekdays": WEEKDAYS,
        "by_day": by_day,
        "truncated": in_grid.total > len(in_grid.posts),
        "today": now.date(),
        "now": now,
        "previous": _shift(month, -1).strftime("%Y-%m"),
        "next": _shift(month, 1).strftime("%Y-%m"),
        "this_month": now.date().replace(day=1) == month,
        "upcoming": upcoming,
        "handles": _handles(db, upcoming.posts + in_grid.posts),
        "freeze": crisis.state(db),
        "can_freeze": can_freeze,
        "freeze_accounts": list_accounts(db, actor=viewer.actor) if can_freeze else [],
        **LABELS,
    }


@router.get("/calendar")
def calendar_page(request: Request, db: DbSession, viewer: Reader) -> HTMLResponse:
    month = _month(request.query_params.get("month"), utcnow().date())
    context = _calendar_context(db, viewer, month)
    return render(request, "calendar/calendar.html", context, viewer=viewer)


def _account_choice(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@router.post("/calendar/freeze", response_model=None)
def freeze(request: Request, form: Form, db: DbSession, viewer: Responder) -> Response:
    check_csrf(viewer, form)
    account_id = _account_choice(field_text(form, "account"))
    try:
        row = crisis.freeze(
            db, actor=viewer.actor, account_id=account_id, reason=field_text(form, "reason")
        )
    except DomainError as exc:
        db.rollback()
        return redirect(
            "/calendar#freeze",
            notice=N_("Nothing was frozen: %(reason)s"),
            reason=error_text(viewer, exc),
        )
    if row.account_id is None:
        return redirect(
            "/calendar#freeze",
            notice=N_("Crisis freeze: publishing is paused on every account."),
        )
    return redirect(
        "/calendar#freeze",
        notice=N_("Crisis freeze: publishing is paused on %(handle)s."),
        handle=_handle(db, row.account_id),
    )


@router.post("/calendar/resume", response_model=None)
def resume(request: Request, form: Form, db: DbSession, viewer: Responder) -> Response:
    check_csrf(viewer, form)
    account_id = _account_choice(field_text(form, "account"))
    try:
        row = crisis.resume(
            db, actor=viewer.actor, account_id=account_id, reason=field_text(form, "reason")
        )
    except DomainError as exc:
        db.rollback()
        return redirect(
            "/calendar#freeze",
            notice=N_("Nothing was resumed: %(reason)s"),
            reason=error_text(viewer, exc),
        )
    if row.account_id is None:
        return redirect(
            "/calendar#freeze", notice=N_("Publishing has resumed: scheduled posts go out again.")
        )
    return redirect(
        "/calendar#freeze",
        notice=N_("Publishing has resumed on %(handle)s."),
        handle=_handle(db, row.account_id),
    )


def _handle(db: Session, account_id: int) -> str:
    from hashtags.accounts.models import SocialAccount

    account = db.get(SocialAccount, account_id)
    return account.handle if account else str(account_id)


# --- the published archive -----------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw and raw.strip() else None
    except ValueError:
        return None


@router.get("/archive")
def archive(request: Request, db: DbSession, viewer: Reader) -> HTMLResponse:
    params = request.query_params
    text = params.get("q", "")[:200]
    account_id = _int(params.get("account"))
    author_id = _int(params.get("author"))
    verdict = params.get("verdict") if params.get("verdict") in VERDICT_LABELS else None
    since, until = _day(params.get("from")), _day(params.get("until"))
    bad_dates = [
        name for name in ("from", "until") if params.get(name) and _day(params.get(name)) is None
    ]
    number = max(1, min(_int(params.get("page")) or 1, 100_000))
    found = posts.search_posts(
        db,
        actor=viewer.actor,
        published=True,
        text=text or None,
        account_id=account_id,
        author_id=author_id,
        verdict=verdict,
        published_from=_midnight(since) if since else None,
        published_until=_midnight(until + timedelta(days=1)) if until else None,
        limit=ARCHIVE_PAGE,
        offset=(number - 1) * ARCHIVE_PAGE,
    )
    filters = {
        "q": text,
        "account": str(account_id or ""),
        "author": str(author_id or ""),
        "verdict": verdict or "",
        "from": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    kept = {k: v for k, v in filters.items() if v}
    pages = max(1, -(-found.total // ARCHIVE_PAGE))
    authors = posts.post_authors(db, actor=viewer.actor)
    context = {
        "found": found,
        "filters": filters,
        "bad_dates": bad_dates,
        "page": number,
        "pages": pages,
        "page_url": lambda n: "/archive?" + urlencode({**kept, "page": n}),
        "accounts": list_accounts(db, actor=viewer.actor),
        "authors": authors,
        "handles": _handles(db, found.posts),
        "published_at": {
            post.id: min(
                (
                    t.published_at
                    for t in post.targets
                    if t.published_at and t.status == TargetStatus.PUBLISHED.value
                ),
                default=None,
            )
            for post in found.posts
        },
        "author_names": {u.id: u.name for u in authors},
        **LABELS,
    }
    return render(request, "calendar/archive.html", context, viewer=viewer)
