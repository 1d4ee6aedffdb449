"""Approval routes and chains: who must say yes before a post goes out.

A post needs approval when its review's verdict is ``review`` (or ``block`` lifted by an
administrator's override), when it goes to a brand account of a regulated organization
(``organization.industry`` other than ``general``), or when it goes to a brand account whose
policy entry says ``approval: always``. ``when_flagged`` and ``never`` accounts add nothing of
their own: a ``review`` verdict always needs approval.

The chain is a list of steps; each step is ``any`` (one of its roles or people approves) or
``all`` (each of them does). Default: one step, any of compliance or pr; for regulated
organizations two steps, compliance then pr. A policy may set its own chain (``approvals.chain``,
a proposed key: see :func:`chain_for`). One request is opened per step and per version of the
post; an edit supersedes the open request. Nobody approves their own post.

Requests expire after ``approvals.expire_after_hours``: the first time they are escalated to
``approvals.escalate_to`` (who may then decide alone), the second time they expire and the post
goes back to its author as a draft (:func:`expire_and_escalate`, called by the worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.approvals.models import ApprovalDecision, ApprovalRequest, Decision, RequestStatus
from hashtags.audit.service import record
from hashtags.errors import Conflict, Forbidden, InvalidInput, NotFound, choice
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.policy.schema import ApprovalStep, Policy
from hashtags.posts.models import Post, PostStatus
from hashtags.storage.db import utcnow

SYSTEM_ACTOR = "system"
"""The audit log's actor for what the worker does on its own (escalation, expiry)."""
MAX_COMMENT_CHARS = 5_000


DEFAULT_CHAIN = (ApprovalStep(mode="any", roles=["compliance", "pr"]),)
REGULATED_CHAIN = (
    ApprovalStep(mode="any", roles=["compliance"]),
    ApprovalStep(mode="any", roles=["pr"]),
)


def is_regulated(policy: Policy) -> bool:
    return policy.organization.industry != "general"


def approval_required(policy: Policy, *, verdict: str, accounts: Sequence[SocialAccount]) -> bool:
    """Whether a post with this (effective) verdict going to ``accounts`` needs approval."""
    if verdict in ("review", "block"):
        return True
    brand = [a for a in accounts if a.kind == "brand"]
    if brand and is_regulated(policy):
        return True
    modes = {a.id: a.approval for a in policy.accounts}
    return any(modes.get(a.policy_id or "") == "always" for a in brand)


def chain_for(policy: Policy) -> list[ApprovalStep]:
    """The steps a post goes through when it needs approval.

    A policy chooses its own with ``approvals.chain``; when it is empty, the defaults apply.
    """
    if policy.approvals.chain:
        return list(policy.approvals.chain)
    return list(REGULATED_CHAIN if is_regulated(policy) else DEFAULT_CHAIN)


# --- opening and closing -------------------------------------------------------------------


def open_chain(
    session: Session,
    *,
    post: Post,
    policy: Policy,
    actor: str,
    steps: Sequence[ApprovalStep] | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Open the first step of the chain for the post's current version."""
    chain = [s.as_json() for s in (steps if steps is not None else chain_for(policy))]
    if not chain:
        raise InvalidInput("approvals.chain: an approval chain needs at least one step")
    return _open_step(
        session,
        post=post,
        chain=chain,
        step=0,
        expire_hours=policy.approvals.expire_after_hours,
        escalate_to=policy.approvals.escalate_to,
        actor=actor,
        now=now or utcnow(),
    )


def _open_step(
    session: Session,
    *,
    post: Post,
    chain: list[dict[str, Any]],
    step: int,
    expire_hours: int,
    escalate_to: str,
    actor: str,
    now: datetime,
) -> ApprovalRequest:
    spec = chain[step]
    request = ApprovalRequest(
        post_id=post.id,
        post_version=post.version,
        step=step,
        chain=chain,
        mode=spec["mode"],
        roles=list(spec["roles"]),
        people=list(spec["people"]),
        status=RequestStatus.PENDING.value,
        created_at=now,
        due_at=now + timedelta(hours=expire_hours),
        expire_hours=expire_hours,
        escalate_to=escalate_to,
    )
    session.add(request)
    session.flush()
    record(
        session,
        actor=actor,
        action="approval.open",
        target_type="approval_request",
        target_id=request.id,
        after={
            "post_id": post.id,
            "version": post.version,
            "step": step + 1,
            "of": len(chain),
            "mode": request.mode,
            "roles": request.roles,
            "people": request.people,
            "due_at": request.due_at.isoformat(),
        },
    )
    return request


def supersede(session: Session, *, post: Post, actor: str, reason: str) -> int:
    """Close the post's open requests (it was edited or withdrawn); returns how many."""
    pending = session.execute(
        select(ApprovalRequest).where(
            ApprovalRequest.post_id == post.id,
            ApprovalRequest.status == RequestStatus.PENDING.value,
        )
    ).scalars()
    count = 0
    for request in pending:
        request.status = RequestStatus.SUPERSEDED.value
        request.decided_at = utcnow()
        record(
            session,
            actor=actor,
            action="approval.supersede",
            target_type="approval_request",
            target_id=request.id,
            before={"status": RequestStatus.PENDING.value},
            after={"status": request.status},
            reason=reason,
        )
        count += 1
    return count


# --- who may decide ------------------------------------------------------------------------


def _covers(request: ApprovalRequest, actor: Actor) -> list[str]:
    """What of the request ``actor`` would satisfy by approving (empty: not theirs to decide)."""
    covers: list[str] = []
    if actor.role.value in request.roles:
        covers.append(f"role:{actor.role.value}")
    if actor.email.lower() in request.people:
        covers.append(f"person:{actor.email.lower()}")
    if request.escalated_at is not None and actor.role.value == request.escalate_to:
        covers.append(f"escalation:{request.escalate_to}")
    return covers


def _required(request: ApprovalRequest) -> set[str]:
    return {f"role:{r}" for r in request.roles} | {f"person:{p}" for p in request.people}


def _approved_by(request: ApprovalRequest) -> set[int]:
    return {
        d.user_id
        for d in request.decisions
        if d.decision == Decision.APPROVE.value and d.post_version == request.post_version
    }


def _complete(request: ApprovalRequest) -> bool:
    covered: set[str] = set()
    for d in request.decisions:
        if d.decision == Decision.APPROVE.value and d.post_version == request.post_version:
            covered.update(d.covers)
    if any(c.startswith("escalation:") for c in covered):
        return True
    if request.mode == "any":
        return bool(covered & _required(request))
    return _required(request) <= covered


def can_decide(request: ApprovalRequest, actor: Actor) -> bool:
    """Whether the request is in ``actor``'s queue: pending, theirs, not their own post, and
    (for ``all`` steps) not yet approved by them."""
    return (
        request.status == RequestStatus.PENDING.value
        and actor.can(Permission.APPROVALS_DECIDE)
        and request.post.author_id != actor.user_id
        and bool(_covers(request, actor))
        and actor.user_id not in _approved_by(request)
    )


def queue(session: Session, *, actor: Actor) -> list[ApprovalRequest]:
    """The pending requests ``actor`` may decide on, oldest first."""
    pending = session.execute(
        select(ApprovalRequest)
        .where(ApprovalRequest.status == RequestStatus.PENDING.value)
        .order_by(ApprovalRequest.due_at, ApprovalRequest.id)
    ).scalars()
    # Few requests are pending at any time: the role and people lists are checked here
    # rather than with JSON operators that differ between SQLite and PostgreSQL.
    return [r for r in pending if can_decide(r, actor)]


def get_request(session: Session, *, request_id: int) -> ApprovalRequest:
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        raise NotFound("approval request %(request)s not found", request=request_id)
    return request


def requests_for(session: Session, *, post_id: int) -> list[ApprovalRequest]:
    return list(
        session.execute(
            select(ApprovalRequest)
            .where(ApprovalRequest.post_id == post_id)
            .order_by(ApprovalRequest.id)
        ).scalars()
    )


# --- deciding ------------------------------------------------------------------------------


def decide(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    decision: str,
    comment: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Approve, request changes, reject, or comment on a pending request.

    ``version`` is the post version the approver read: if the post changed since, the decision
    is refused. Requesting changes and rejecting need a comment saying why.
    """
    now = now or utcnow()
    chosen = choice(Decision, decision, field="decision")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput("comment: at most %(most)s characters", most=MAX_COMMENT_CHARS)
    if chosen is Decision.COMMENT and not comment:
        raise InvalidInput("comment: write the comment")
    if chosen in (Decision.REQUEST_CHANGES, Decision.REJECT) and not comment:
        raise InvalidInput(
            "comment: say why (%(decision)s needs a comment for the author)",
            decision=chosen.value,
        )
    request = get_request(session, request_id=request_id)
    post = request.post
    if not actor.can(Permission.APPROVALS_DECIDE):
        raise Forbidden("your role (%(role)s) may not decide on approvals", role=actor.role.value)
    if post.author_id == actor.user_id:
        raise Forbidden("nobody approves their own post: another approver must decide")
    if request.status != RequestStatus.PENDING.value:
        raise Conflict(
            "approval request %(request)s is %(status)s, no longer pending",
            request=request.id,
            status=request.status,
        )
    if post.version != request.post_version or post.status != PostStatus.IN_REVIEW.value:
        raise Conflict(
            "post %(post)s changed after this request was opened (now version %(version)s, "
            "%(status)s): decide on its current request",
            post=post.id,
            version=post.version,
            status=post.status,
        )
    if version is not None and version != post.version:
        raise Conflict(
            "version: you read version %(version)s of post %(post)s, but it is now at version "
            "%(current)s: read it again",
            version=version,
            post=post.id,
            current=post.version,
        )
    covers = _covers(request, actor)
    if not covers:
        who = ", ".join([*request.roles, *request.people])
        raise Forbidden(
            "approval request %(request)s is for %(who)s, not for you", request=request.id, who=who
        )
    if chosen is Decision.APPROVE and actor.user_id in _approved_by(request):
        raise Conflict(
            "you already approved request %(request)s; it waits for the others",
            request=request.id,
        )

    row = ApprovalDecision(
        request_id=request.id,
        user_id=actor.user_id,
        email=actor.email,
        role=actor.role.value,
        decision=chosen.value,
        comment=comment,
        covers=covers if chosen is Decision.APPROVE else [],
        post_version=post.version,
        created_at=now,
    )
    request.decisions.append(row)
    session.flush()
    if chosen is Decision.COMMENT:
        record(
            session,
            actor=actor.email,
            action="approval.comment",
            target_type="approval_request",
            target_id=request.id,
            after={"post_id": post.id, "version": post.version},
        )
        return request

    before = {"request": request.status, "post": post.status}
    if chosen is Decision.APPROVE:
        if _complete(request):
            _close(request, RequestStatus.APPROVED, now)
            if request.step + 1 < len(request.chain):
                _record(session, actor, "approval.approve", request, post, before)
                _open_step(
                    session,
                    post=post,
                    chain=request.chain,
                    step=request.step + 1,
                    expire_hours=request.expire_hours,
                    escalate_to=request.escalate_to,
                    actor=actor.email,
                    now=now,
                )
                return request
            post.status = PostStatus.APPROVED.value
            _record(session, actor, "approval.approve", request, post, before)
            _after_approval(session, post=post, actor=actor)
            return request
        _record(session, actor, "approval.approve", request, post, before)
        return request
    if chosen is Decision.REQUEST_CHANGES:
        _close(request, RequestStatus.CHANGES_REQUESTED, now)
        post.status = PostStatus.CHANGES_REQUESTED.value
    else:
        _close(request, RequestStatus.REJECTED, now)
        post.status = PostStatus.REJECTED.value
    _record(session, actor, f"approval.{chosen.value}", request, post, before, comment)
    return request


def _close(request: ApprovalRequest, status: RequestStatus, now: datetime) -> None:
    request.status = status.value
    request.decided_at = now


def _record(
    session: Session,
    actor: Actor,
    action: str,
    request: ApprovalRequest,
    post: Post,
    before: dict[str, str],
    reason: str | None = None,
) -> None:
    record(
        session,
        actor=actor.email,
        action=action,
        target_type="approval_request",
        target_id=request.id,
        before=before,
        after={
            "request": request.status,
            "post": post.status,
            "post_id": post.id,
            "version": post.version,
            "step": request.step + 1,
        },
        reason=reason,
    )


def _after_approval(session: Session, *, post: Post, actor: Actor) -> None:
    # Imported here: the posts service opens chains through this module.
    from hashtags.posts.service import after_approval

    after_approval(session, post=post, actor=actor)


# --- expiry and escalation -----------------------------------------------------------------


@dataclass(slots=True)
class ExpiryReport:
    escalated: list[int] = field(default_factory=list)
    """Requests handed to ``escalate_to`` (ids)."""
    expired: list[int] = field(default_factory=list)
    """Requests that expired after escalation; their posts went back to draft."""


def expire_and_escalate(session: Session, *, now: datetime) -> ExpiryReport:
    """Escalate pending requests past their due time; expire those already escalated.

    The worker calls this periodically, in its own transaction. Each request keeps the
    escalation role and window the policy had when it was opened.
    """
    report = ExpiryReport()
    due = session.execute(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.status == RequestStatus.PENDING.value,
            ApprovalRequest.due_at <= now,
        )
        .order_by(ApprovalRequest.id)
    ).scalars()
    for request in list(due):
        post = request.post
        if request.escalated_at is None:
            before = {"due_at": request.due_at.isoformat(), "escalated": False}
            request.escalated_at = now
            request.due_at = now + timedelta(hours=request.expire_hours)
            record(
                session,
                actor=SYSTEM_ACTOR,
                action="approval.escalate",
                target_type="approval_request",
                target_id=request.id,
                before=before,
                after={
                    "due_at": request.due_at.isoformat(),
                    "escalated": True,
                    "escalate_to": request.escalate_to,
                    "post_id": post.id,
                },
                reason=f"no decision within {request.expire_hours} hours",
            )
            report.escalated.append(request.id)
            continue
        before = {"request": request.status, "post": post.status}
        _close(request, RequestStatus.EXPIRED, now)
        if post.status == PostStatus.IN_REVIEW.value and post.version == request.post_version:
            post.status = PostStatus.DRAFT.value
        record(
            session,
            actor=SYSTEM_ACTOR,
            action="approval.expire",
            target_type="approval_request",
            target_id=request.id,
            before=before,
            after={"request": request.status, "post": post.status, "post_id": post.id},
            reason=(
                f"no decision within {request.expire_hours} hours of escalating to "
                f"{request.escalate_to}: the author may submit the post again"
            ),
        )
        report.expired.append(request.id)
    session.flush()
    return report
