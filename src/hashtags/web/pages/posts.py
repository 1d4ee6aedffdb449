"""One post: its text with the stored review laid over it, where it goes and whether it went,
its approvals and history, and what the viewer may do with it now.

Approvers decide here (approve, request changes, reject, comment), an administrator may lift
a ``block`` in writing, and the author (or an administrator) schedules or unschedules an
approved post. Every action is the services' (:mod:`hashtags.approvals.service`,
:mod:`hashtags.posts.service`); the page only shows what they allow and says why they refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hashtags.api.deps import DbSession, IdPath
from hashtags.approvals import service as approvals
from hashtags.approvals.models import ApprovalRequest, RequestStatus
from hashtags.audit.service import events_for
from hashtags.crisis.service import is_frozen
from hashtags.errors import DomainError, InvalidInput, NotFound
from hashtags.people.models import User
from hashtags.people.permissions import Permission, Role
from hashtags.posts import service as posts
from hashtags.posts.models import Post, PostStatus
from hashtags.review.api import policy_engine
from hashtags.web.deps import (
    Form,
    Viewer,
    check_csrf,
    error_text,
    field_text,
    page,
    redirect,
    render,
)
from hashtags.web.i18n import N_

router = APIRouter()
NAV: list[Any] = []
Reader = Annotated[Viewer, page(Permission.POSTS_READ)]
Writer = Annotated[Viewer, page(Permission.POSTS_WRITE)]
Approver = Annotated[Viewer, page(Permission.APPROVALS_DECIDE)]
Overrider = Annotated[Viewer, page(Permission.POSTS_OVERRIDE_BLOCK)]

VERDICT_LABELS = {
    "allow": N_("Allow"),
    "warn": N_("Warn"),
    "review": N_("Needs approval"),
    "block": N_("Block"),
}
STATUS_LABELS = {
    PostStatus.DRAFT: N_("Draft"),
    PostStatus.IN_REVIEW: N_("Waiting for approval"),
    PostStatus.CHANGES_REQUESTED: N_("Changes requested"),
    PostStatus.REJECTED: N_("Rejected"),
    PostStatus.APPROVED: N_("Approved"),
    PostStatus.SCHEDULED: N_("Scheduled"),
    PostStatus.PUBLISHED: N_("Published"),
    PostStatus.FAILED: N_("Failed to publish"),
    PostStatus.ARCHIVED: N_("Archived"),
}
TARGET_LABELS = {
    "pending": N_("not scheduled"),
    "queued": N_("queued"),
    "published": N_("published"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "deleted": N_("taken down"),
}
REQUEST_LABELS = {
    RequestStatus.PENDING: N_("pending"),
    RequestStatus.APPROVED: N_("step approved"),
    RequestStatus.CHANGES_REQUESTED: N_("changes requested"),
    RequestStatus.REJECTED: N_("step rejected"),
    RequestStatus.EXPIRED: N_("expired"),
    RequestStatus.SUPERSEDED: N_("superseded by a new version"),
}
DECISION_LABELS = {
    "approve": N_("approved"),
    "request_changes": N_("requested changes"),
    "reject": N_("rejected it"),
    "comment": N_("commented"),
}
ACTION_LABELS = {
    "post.create": N_("created the post"),
    "post.edit": N_("edited the post"),
    "post.submit": N_("submitted the post"),
    "post.schedule": N_("scheduled the post"),
    "post.unschedule": N_("took the post off the schedule"),
    "post.override": N_("overrode the block"),
    "post.archive": N_("archived the post"),
    "post.publish": N_("the post was published"),
    "post.fail": N_("the post failed to publish"),
    "post.unpublish": N_("asked to take the post down"),
    "approval.open": N_("approval requested"),
    "approval.approve": N_("approved"),
    "approval.request_changes": N_("requested changes"),
    "approval.reject": N_("rejected it"),
    "approval.comment": N_("commented"),
    "approval.escalate": N_("approval escalated"),
    "approval.expire": N_("approval expired"),
    "approval.supersede": N_("approval superseded"),
    "publish.queue": N_("queued for publishing"),
    "publish.done": N_("published on a network"),
    "publish.retry": N_("publishing will be retried"),
    "publish.requeue": N_("publishing queued again"),
    "publish.defer": N_("publishing deferred (crisis freeze)"),
    "publish.fail": N_("publishing failed"),
    "publish.cancel": N_("publishing cancelled"),
    "unpublish.queue": N_("queued for taking down"),
    "unpublish.done": N_("taken down from a network"),
    "unpublish.retry": N_("taking down will be retried"),
    "unpublish.fail": N_("taking down failed"),
}
LABELS = {
    "VERDICTS": VERDICT_LABELS,
    "STATUSES": {str(k): v for k, v in STATUS_LABELS.items()},
    "TARGETS": TARGET_LABELS,
    "REQUESTS": {str(k): v for k, v in REQUEST_LABELS.items()},
    "DECISIONS": DECISION_LABELS,
    "ACTIONS": ACTION_LABELS,
}
"""Label tables every page of this area hands to its templates (English, translated there)."""

RANK = {"allow": 0, "warn": 1, "review": 2, "block": 3}


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the post's text, flagged by the strongest finding over it (or not)."""

    text: str
    action: str | None
    rules: tuple[str, ...] = ()


def segments(text: str, findings: list[dict[str, Any]]) -> list[Segment]:
    """The text cut where findings start and end, each piece with the strongest action over
    it, so overlapping findings are shown once, in the colour of the more serious one."""
    spans = []
    for f in findings:
        try:
            start, end = max(0, int(f["start"])), min(len(text), int(f["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if start < end:
            spans.append((start, end, str(f.get("action", "warn")), str(f.get("rule", ""))))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out: list[Segment] = []
    for left, right in pairwise(cuts):
        over = [(a, r) for s, e, a, r in spans if s <= left and right <= e]
        action = max((a for a, _ in over), key=lambda a: RANK.get(a, 0)) if over else None
        out.append(Segment(text[left:right], action, tuple(r for _, r in over)))
    return out


def post_context(db: Session, viewer: Viewer, post: Post) -> dict[str, Any]:
    """Everything the post page shows, and which of its forms this viewer gets."""
    accounts = {a.id: a for a in posts.accounts_of(db, post)}
    requests = approvals.requests_for(db, post_id=post.id)
    history = events_for(
        db,
        targets=[
            ("post", post.id),
            *(("approval_request", r.id) for r in requests),
            *(("post_target", t.id) for t in post.targets),
        ],
    )
    author = db.get(User, post.author_id)
    review = post.review if isinstance(post.review, dict) else None
    findings = list(review.get("findings", [])) if review else []
    mine = post.author_id == viewer.actor.user_id
    status = PostStatus(post.status)
    decidable = [r for r in requests if approvals.can_decide(r, viewer.actor)]
    frozen_handles = [a.handle for a in accounts.values() if is_frozen(db, account_id=a.id)]
    return {
        "post": post,
        "author": author,
        "mine": mine,
        "accounts": accounts,
        "review": review,
        "findings": findings,
        "segments": segments(post.text, findings),
        "requests": requests,
        "decidable": decidable,
        "history": history,
        "frozen_handles": frozen_handles,
        "can_edit": mine and viewer.can(Permission.POSTS_WRITE) and status in posts.EDITABLE,
        "can_override": viewer.can(Permission.POSTS_OVERRIDE_BLOCK)
        and not mine
        and post.verdict == "block"
        and not post.override_reason
        and status not in (PostStatus.PUBLISHED, PostStatus.ARCHIVED),
        "can_schedule": (mine or viewer.role is Role.ADMIN)
        and viewer.can(Permission.POSTS_WRITE)
        and status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
        and posts.effective_verdict(post) != "block",
        "can_unschedule": (mine or viewer.role is Role.ADMIN)
        and viewer.can(Permission.POSTS_WRITE)
        and status is PostStatus.SCHEDULED,
        "min_reason": posts.OVERRIDE_REASON_MIN_CHARS,
        **LABELS,
    }


def _page(
    request: Request,
    db: Session,
    viewer: Viewer,
    post_id: int,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    post = posts.get_post(db, actor=viewer.actor, post_id=post_id)
    context = post_context(db, viewer, post)
    context.update(error=error, values=values or {})
    return render(request, "approvals/post.html", context, viewer=viewer, status_code=status_code)


def _refused(
    request: Request,
    db: Session,
    viewer: Viewer,
    post_id: int,
    exc: DomainError,
    values: dict[str, str],
) -> HTMLResponse:
    """The post page again, saying why the service refused, with what was typed kept."""
    db.rollback()
    if isinstance(exc, NotFound):
        raise exc
    return _page(
        request,
        db,
        viewer,
        post_id,
        error=error_text(viewer, exc),
        values=values,
        status_code=exc.status,
    )


@router.get("/posts/{post_id}")
def post_page(request: Request, post_id: IdPath, db: DbSession, viewer: Reader) -> HTMLResponse:
    return _page(request, db, viewer, post_id)


DECISION_NOTICES = {
    "approve": N_("You approved post %(id)s."),
    "request_changes": N_("You asked for changes to post %(id)s: its author has been told."),
    "reject": N_("You rejected post %(id)s."),
    "comment": N_("Your comment on post %(id)s is saved."),
}


def _request_of(db: Session, post: Post, form: FormData) -> ApprovalRequest:
    raw = field_text(form, "request_id").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput("request_id: choose the approval request to decide on")
    request = approvals.get_request(db, request_id=int(raw))
    if request.post_id != post.id:
        raise NotFound(
            "approval request %(request)s is not one of post %(post)s's", request=raw, post=post.id
        )
    return request


@router.post("/posts/{post_id}/decide", response_model=None)
def decide(
    request: Request, post_id: IdPath, form: Form, db: DbSession, viewer: Approver
) -> Response:
    check_csrf(viewer, form)
    post = posts.get_post(db, actor=viewer.actor, post_id=post_id)
    decision = field_text(form, "decision")
    comment = field_text(form, "comment")
    version = field_text(form, "version").strip()
    try:
        approval = _request_of(db, post, form)
        approvals.decide(
            db,
            actor=viewer.actor,
            request_id=approval.id,
            decision=decision,
            comment=comment,
            version=int(version) if version.isdigit() and len(version) < 9 else None,
        )
    except DomainError as exc:
        return _refused(request, db, viewer, post_id, exc, {"comment": comment})
    notice = DECISION_NOTICES.get(decision, DECISION_NOTICES["comment"])
    return redirect(f"/posts/{post.id}", notice=notice, id=post.id)


@router.post("/posts/{post_id}/override", response_model=None)
def override(
    request: Request, post_id: IdPath, form: Form, db: DbSession, viewer: Overrider
) -> Response:
    check_csrf(viewer, form)
    reason = field_text(form, "reason")
    try:
        posts.override_block(db, actor=viewer.actor, post_id=post_id, reason=reason)
    except DomainError as exc:
        return _refused(request, db, viewer, post_id, exc, {"reason": reason})
    return redirect(
        f"/posts/{post_id}",
        notice=N_("Block overridden: post %(id)s now needs approval like any flagged post."),
        id=post_id,
    )


def scheduled_time(form: FormData) -> datetime | None:
    """The ``datetime-local`` field in the browser's time zone (``tz``, set by the page's
    script; UTC without it)."""
    raw = field_text(form, "scheduled_at").strip()
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            "scheduled_at: %(value)r is not a date and time", value=raw[:40]
        ) from None
    try:
        zone = ZoneInfo(field_text(form, "tz").strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive


@router.post("/posts/{post_id}/schedule", response_model=None)
def schedule(
    request: Request, post_id: IdPath, form: Form, db: DbSession, viewer: Writer
) -> Response:
    check_csrf(viewer, form)
    try:
        post = posts.schedule_post(
            db,
            actor=viewer.actor,
            engine=policy_engine(request),
            post_id=post_id,
            scheduled_at=scheduled_time(form),
        )
    except DomainError as exc:
        return _refused(
            request, db, viewer, post_id, exc, {"scheduled_at": field_text(form, "scheduled_at")}
        )
    if not field_text(form, "scheduled_at").strip():
        return redirect(f"/posts/{post.id}", notice=N_("Post %(id)s goes out now."), id=post.id)
    assert post.scheduled_at is not None
    return redirect(
        f"/posts/{post.id}",
        notice=N_("Post %(id)s is scheduled for %(when)s UTC."),
        id=post.id,
        when=post.scheduled_at.strftime("%Y-%m-%d %H:%M"),
    )


@router.post("/posts/{post_id}/unschedule", response_model=None)
def unschedule(
    request: Request, post_id: IdPath, form: Form, db: DbSession, viewer: Writer
) -> Response:
    check_csrf(viewer, form)
    try:
        posts.unschedule_post(db, actor=viewer.actor, post_id=post_id)
    except DomainError as exc:
        return _refused(request, db, viewer, post_id, exc, {})
    return redirect(
        f"/posts/{post_id}",
        notice=N_("Post %(id)s is off the schedule; it stays approved."),
        id=post_id,
    )
