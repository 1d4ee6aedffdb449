"""Posts through their life: draft → reviewed → approval route → approved → scheduled →
published → archived.

Every text is reviewed by the engine when it is written or edited; the review (verdict,
findings, policy version) is stored with the post. Submitting routes the post: straight to
``approved`` when nothing calls for approval, else to ``in_review`` with an approval chain
(:mod:`hashtags.approvals.service`). An edit makes a new version: open approvals are superseded
and a post that had been submitted goes through its route again. A ``block`` verdict is never
submitted, scheduled or published unless an administrator overrides it with a written reason.

Who may speak is enforced here, on the server: brand accounts need ``posts.publish_brand`` and
a role among the policy account's ``publishers``; a personal account is only its owner's; and
answering a complaint addressed to the company needs ``posts.reply_complaints``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.accounts.service import check_can_publish, publish_refusal
from hashtags.approvals import service as approvals
from hashtags.audit.service import record
from hashtags.errors import Conflict, Forbidden, InvalidInput, NotFound, Phrase, choice
from hashtags.people.models import Team, User
from hashtags.people.permissions import Permission, Role
from hashtags.people.service import Actor
from hashtags.policy.schema import Policy
from hashtags.posts.models import Post, PostStatus, PostTarget, TargetStatus
from hashtags.review.engine import Engine, InvalidText
from hashtags.review.types import Context, Review
from hashtags.storage.db import utcnow

if TYPE_CHECKING:
    from hashtags.publishing.models import Job

COMPLAINT_RULE = "disclaimer.complaint-reply"
OVERRIDE_REASON_MIN_CHARS = 20
MAX_REASON_CHARS = 5_000
MAX_TARGETS = 20
PAST_TOLERANCE = timedelta(minutes=1)
"""A schedule time this far in the past still counts as "now" (clocks and slow forms)."""

EDITABLE = frozenset(
    {
        PostStatus.DRAFT,
        PostStatus.CHANGES_REQUESTED,
        PostStatus.REJECTED,
        PostStatus.IN_REVIEW,
        PostStatus.APPROVED,
        PostStatus.SCHEDULED,
        PostStatus.FAILED,
    }
)
SUBMITTABLE = frozenset({PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.REJECTED})
RESUBMIT_AFTER_EDIT = frozenset({PostStatus.IN_REVIEW, PostStatus.APPROVED, PostStatus.SCHEDULED})
"""An edit of a post in these states sends it through its approval route again."""


def _enqueue_delete(
    session: Session, post_id: int, actor: Actor, account_ids: list[int], reason: str | None
) -> list[Job]:
    """Hand publications to take down to publishing (the same seam as ``_enqueue``)."""
    publishing = import_module("hashtags.publishing.service")
    jobs: list[Job] = publishing.enqueue_delete(
        session, post_id=post_id, actor=actor, account_ids=account_ids, reason=reason
    )
    return jobs


def _enqueue(session: Session, post_id: int, actor: Actor) -> None:
    """Hand a scheduled post to publishing (the seam between the two domains).

    Imported by name when needed: publishing depends on posts, not the other way round.
    """
    publishing = import_module("hashtags.publishing.service")
    publishing.enqueue_post(session, post_id=post_id, actor=actor)


# --- reading -------------------------------------------------------------------------------


def _brand_target() -> Any:
    return (
        select(PostTarget.id)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostTarget.post_id == Post.id, SocialAccount.kind == "brand")
        .exists()
    )


def _visibility(actor: Actor) -> Any:
    """Who sees which posts: authors their own; brand publishers every brand post; approvers
    (and administrators) every post."""
    if actor.can(Permission.APPROVALS_DECIDE):
        return None
    if actor.can(Permission.POSTS_PUBLISH_BRAND):
        return or_(Post.author_id == actor.user_id, _brand_target())
    return Post.author_id == actor.user_id


def get_post(session: Session, *, actor: Actor, post_id: int) -> Post:
    """A post ``actor`` may see; any other is "not found", as a missing one."""
    query = select(Post).where(Post.id == post_id)
    condition = _visibility(actor)
    if condition is not None:
        query = query.where(condition)
    post = session.execute(query).scalar_one_or_none()
    if post is None:
        raise NotFound("post %(post)s not found", post=post_id)
    return post


def list_posts(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    mine: bool = False,
    limit: int = 100,
    before_id: int | None = None,
) -> list[Post]:
    """Posts ``actor`` may see, newest first."""
    query = select(Post).order_by(Post.id.desc()).limit(limit)
    condition = Post.author_id == actor.user_id if mine else _visibility(actor)
    if condition is not None:
        query = query.where(condition)
    if status is not None:
        query = query.where(Post.status == choice(PostStatus, status, field="status").value)
    if before_id is not None:
        query = query.where(Post.id < before_id)
    return list(session.execute(query).scalars())


def accounts_of(session: Session, post: Post) -> list[SocialAccount]:
    ids = [t.account_id for t in post.targets]
    if not ids:
        return []
    rows = session.execute(select(SocialAccount).where(SocialAccount.id.in_(ids))).scalars()
    by_id = {a.id: a for a in rows}
    return [by_id[i] for i in ids if i in by_id]


def effective_verdict(post: Post) -> str:
    """The verdict routing goes by: an overridden ``block`` is handled as ``review``."""
    if post.verdict == "block" and post.override_reason:
        return "review"
    return post.verdict or "allow"


@dataclass(frozen=True, slots=True)
class PostPage:
    """One page of a search: the posts and how many match in all."""

    posts: list[Post]
    total: int


def search_posts(
    session: Session,
    *,
    actor: Actor,
    statuses: Sequence[str] | None = None,
    text: str | None = None,
    account_id: int | None = None,
    author_id: int | None = None,
    verdict: str | None = None,
    published: bool = False,
    published_from: datetime | None = None,
    published_until: datetime | None = None,
    failing: bool = False,
    scheduled_from: datetime | None = None,
    scheduled_until: datetime | None = None,
    by_schedule: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> PostPage:
    """Posts ``actor`` may see, filtered: the calendar (``scheduled_*``, ``by_schedule``: in
    schedule order) and the published archive (``published``: at least one account published
    it, within ``published_from``..``published_until`` when given; ``failing``: some account
    failed to publish it, or is retrying after an error). Newest first otherwise;
    ``text`` matches anywhere in the text, ignoring case; ``*_until`` bounds are exclusive."""
    query = select(Post)
    condition = _visibility(actor)
    if condition is not None:
        query = query.where(condition)
    if statuses is not None:
        query = query.where(Post.status.in_([PostStatus(s).value for s in statuses]))
    if text and text.strip():
        pattern = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Post.text.ilike(f"%{pattern}%", escape="\\"))
    if account_id is not None:
        query = query.where(
            select(PostTarget.id)
            .where(PostTarget.post_id == Post.id, PostTarget.account_id == account_id)
            .exists()
        )
    if author_id is not None:
        query = query.where(Post.author_id == author_id)
    if verdict is not None:
        query = query.where(Post.verdict == verdict)
    if published or published_from is not None or published_until is not None:
        went_out = select(PostTarget.id).where(
            PostTarget.post_id == Post.id, PostTarget.status == TargetStatus.PUBLISHED.value
        )
        if published_from is not None:
            went_out = went_out.where(PostTarget.published_at >= published_from)
        if published_until is not None:
            went_out = went_out.where(PostTarget.published_at < published_until)
        query = query.where(went_out.exists())
    if failing:
        trouble = select(PostTarget.id).where(
            PostTarget.post_id == Post.id,
            or_(PostTarget.status == TargetStatus.FAILED.value, PostTarget.error.is_not(None)),
        )
        query = query.where(trouble.exists())
    if scheduled_from is not None:
        query = query.where(Post.scheduled_at >= scheduled_from)
    if scheduled_until is not None:
        query = query.where(Post.scheduled_at < scheduled_until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    order = (Post.scheduled_at, Post.id) if by_schedule else (Post.id.desc(),)
    rows = session.execute(query.order_by(*order).limit(limit).offset(offset)).scalars()
    return PostPage(posts=list(rows), total=total)


def post_authors(session: Session, *, actor: Actor) -> list[User]:
    """The people who wrote posts ``actor`` may see, by name."""
    authored = select(Post.author_id)
    condition = _visibility(actor)
    if condition is not None:
        authored = authored.where(condition)
    query = select(User).where(User.id.in_(authored)).order_by(User.name, User.id)
    return list(session.execute(query).scalars())


@dataclass(frozen=True, slots=True)
class ReviewedPost:
    """What the compliance picture needs of one post: when, whose team, what was found."""

    post_id: int
    created_at: datetime
    team: str | None
    verdict: str | None
    categories: list[str]
    """One entry per finding of the stored review (the current version's)."""


def reviewed_posts(session: Session, *, actor: Actor, since: datetime) -> list[ReviewedPost]:
    """The stored reviews of the posts ``actor`` may see, written since ``since``."""
    query = (
        select(Post.id, Post.created_at, Post.verdict, Post.review, Team.name)
        .join(User, User.id == Post.author_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(Post.created_at >= since, Post.review.is_not(None))
        .order_by(Post.id)
    )
    condition = _visibility(actor)
    if condition is not None:
        query = query.where(condition)
    out = []
    for post_id, created_at, verdict, review, team in session.execute(query):
        findings = (review or {}).get("findings", []) if isinstance(review, dict) else []
        categories = [str(f.get("category")) for f in findings if isinstance(f, dict)]
        out.append(ReviewedPost(post_id, created_at, team, verdict, categories))
    return out


# --- checks --------------------------------------------------------------------------------


def _audit(
    session: Session,
    actor: Actor,
    post: Post,
    action: str,
    *,
    before: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Record ``action`` on ``post`` with its state before and after (the text as a hash)."""
    record(
        session,
        actor=actor.email,
        action=action,
        target_type="post",
        target_id=post.id,
        before=before,
        after=_snapshot(post),
        reason=reason,
    )


def _targets(
    session: Session, policy: Policy, *, actor: Actor, account_ids: Sequence[int]
) -> list[SocialAccount]:
    if not account_ids:
        raise InvalidInput("account_ids: choose at least one account to publish on")
    if len(account_ids) > MAX_TARGETS:
        raise InvalidInput("account_ids: at most %(most)s accounts per post", most=MAX_TARGETS)
    if len(set(account_ids)) != len(account_ids):
        raise InvalidInput("account_ids: an account is listed twice")
    accounts: list[SocialAccount] = []
    for account_id in account_ids:
        account = session.get(SocialAccount, account_id)
        if account is None:
            raise InvalidInput(
                "account_ids: account %(account)s does not exist", account=account_id
            )
        accounts.append(account)
    if len({a.kind for a in accounts}) > 1:
        raise InvalidInput(
            "account_ids: a post goes either to brand accounts or to personal accounts, not "
            "both (the policy reviews them differently): write two posts"
        )
    for account in accounts:
        check_can_publish(policy, actor=actor, account=account)
    return accounts


def _author(policy: Policy, actor: Actor) -> str:
    """Who the engine is told the author is: the e-mail where the policy names the person
    (spokespeople, customer service), else the role."""
    email = actor.email.lower()
    named = {p.lower() for p in policy.spokespeople.people}
    service = policy.roles.get("customer_service")
    if service is not None:
        named |= {p.lower() for p in service.people}
    return email if email in named else actor.role.value


def _review(
    engine: Engine,
    *,
    actor: Actor,
    text: str,
    reply_to: str | None,
    lang: str | None,
    accounts: Sequence[SocialAccount],
    author: str | None = None,
) -> Review:
    if not text.strip():
        raise InvalidInput("text: write the post's text")
    if lang is not None and lang not in engine.languages:
        raise InvalidInput(
            "lang: %(lang)r is not one of the policy's languages (%(languages)s)",
            lang=lang,
            languages=", ".join(engine.languages),
        )
    networks = {a.network for a in accounts}
    context = Context(
        account="personal" if accounts and accounts[0].kind == "personal" else "brand",
        channel=next(iter(networks)) if len(networks) == 1 else None,
        author=author or _author(engine.policy, actor),
        lang=lang,
        reply_to=reply_to or None,
    )
    try:
        return engine.review(text, context)
    except InvalidText as exc:
        raise InvalidInput("text: %(problem)s", problem=exc) from None


def author_for(policy: Policy, actor: Actor) -> str:
    """Who the engine is told the author is (see ``_author``): for previews of a draft."""
    return _author(policy, actor)


def preview_review(
    engine: Engine,
    *,
    actor: Actor,
    text: str,
    accounts: Sequence[SocialAccount],
    reply_to: str | None = None,
) -> Review:
    """The review a post with this text and these accounts would get, without storing it."""
    return _review(engine, actor=actor, text=text, reply_to=reply_to, lang=None, accounts=accounts)


def _targets_and_review(
    session: Session,
    engine: Engine,
    *,
    actor: Actor,
    text: str,
    reply_to: str | None,
    lang: str | None,
    ids: Sequence[int],
) -> tuple[list[SocialAccount], Review]:
    """The accounts a post goes to (checked against who may speak there), its review, and
    the refusal of a complaint reply by someone who may not answer complaints."""
    accounts = _targets(session, engine.policy, actor=actor, account_ids=ids)
    review = _review(
        engine, actor=actor, text=text, reply_to=reply_to, lang=lang, accounts=accounts
    )
    _check_complaint_reply(
        engine,
        actor=actor,
        text=text,
        reply_to=reply_to,
        lang=lang,
        accounts=accounts,
        review=review,
    )
    return accounts, review


def _check_complaint_reply(
    engine: Engine,
    *,
    actor: Actor,
    text: str,
    reply_to: str | None,
    lang: str | None,
    accounts: Sequence[SocialAccount],
    review: Review,
) -> None:
    """Ordinary employees do not answer complaints addressed to the company.

    The engine decides what a complaint is: the post's own review flags it for authors who do
    not handle complaints; for the others (whose review does not), the same text is reviewed as
    an ordinary employee would write it.
    """
    if not reply_to or actor.can(Permission.POSTS_REPLY_COMPLAINTS):
        return
    flagged = COMPLAINT_RULE in review.rules
    if not flagged:
        probe = _review(
            engine,
            actor=actor,
            text=text,
            reply_to=reply_to,
            lang=lang,
            accounts=accounts,
            author=Role.EMPLOYEE.value,
        )
        flagged = COMPLAINT_RULE in probe.rules
    if flagged:
        raise Forbidden(
            "reply_to: this answers a complaint addressed to %(organization)s; complaints are "
            "answered by customer service, and your role (%(role)s) may not reply to them",
            organization=engine.policy.organization.name,
            role=actor.role.value,
        )


def _check_author(post: Post, actor: Actor, doing: Literal["edit", "submit"]) -> None:
    if post.author_id == actor.user_id:
        return
    if doing == "edit":
        raise Forbidden("only the author of post %(post)s may edit it", post=post.id)
    raise Forbidden("only the author of post %(post)s may submit it", post=post.id)


def _check_not_blocked(post: Post, doing: Literal["submitted", "scheduled"]) -> None:
    if post.verdict != "block" or post.override_reason:
        return
    blocking = sorted(
        {f["rule"] for f in (post.review or {}).get("findings", []) if f["action"] == "block"}
    )
    rules = ", ".join(blocking) or Phrase("block verdict")
    if doing == "submitted":
        raise Conflict(
            "post %(post)s cannot be submitted: the review blocks it (%(rules)s); fix the text, "
            "or an administrator must override the block with a written reason",
            post=post.id,
            rules=rules,
        )
    raise Conflict(
        "post %(post)s cannot be scheduled: the review blocks it (%(rules)s); fix the text, "
        "or an administrator must override the block with a written reason",
        post=post.id,
        rules=rules,
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(
            "%(field)s: give a time zone (for example 2026-05-01T09:00:00+02:00)", field=field
        )
    return value


def _snapshot(post: Post) -> dict[str, Any]:
    return {
        "status": post.status,
        "version": post.version,
        "verdict": post.verdict,
        "text_sha256": hashlib.sha256(post.text.encode()).hexdigest(),
        "accounts": [t.account_id for t in post.targets],
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "override": bool(post.override_reason),
    }


def _store_review(post: Post, review: Review) -> None:
    post.verdict = str(review.verdict)
    post.review = review.to_dict()
    post.policy_version = review.policy_version
    post.lang = review.language


def _set_targets(post: Post, accounts: Sequence[SocialAccount]) -> None:
    """Keep the targets that stay (reset to pending), drop the others, add the new ones."""
    wanted = [a.id for a in accounts]
    for target in list(post.targets):
        if target.account_id not in wanted:
            post.targets.remove(target)
        else:
            target.status = TargetStatus.PENDING.value
            target.set_error(None)
    present = {t.account_id for t in post.targets}
    for account_id in wanted:
        if account_id not in present:
            post.targets.append(
                PostTarget(account_id=account_id, status=TargetStatus.PENDING.value)
            )


# --- the life of a post --------------------------------------------------------------------


def create_post(
    session: Session,
    *,
    actor: Actor,
    engine: Engine,
    text: str,
    account_ids: Sequence[int],
    reply_to: str | None = None,
    lang: str | None = None,
) -> Post:
    """A draft, reviewed at once against the policy."""
    if not actor.can(Permission.POSTS_WRITE):
        raise Forbidden("your role (%(role)s) may not write posts", role=actor.role.value)
    reply_to = reply_to or None
    accounts, review = _targets_and_review(
        session, engine, actor=actor, text=text, reply_to=reply_to, lang=lang, ids=account_ids
    )
    post = Post(
        author_id=actor.user_id,
        text=text,
        reply_to=reply_to,
        status=PostStatus.DRAFT.value,
        version=1,
    )
    _store_review(post, review)
    post.targets = [
        PostTarget(account_id=a.id, status=TargetStatus.PENDING.value) for a in accounts
    ]
    session.add(post)
    session.flush()
    _audit(session, actor, post, "post.create", before=None)
    return post


def update_post(
    session: Session,
    *,
    actor: Actor,
    engine: Engine,
    post_id: int,
    text: str | None = None,
    account_ids: Sequence[int] | None = None,
    reply_to: str | None = None,
    lang: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Post:
    """Edit a post: a new version, reviewed again. ``None`` leaves a field as it is; an empty
    ``reply_to`` removes it. ``version`` is the version the author edited (refused if stale).

    Open approvals are superseded; a post that had been submitted (in review, approved or
    scheduled) goes through its approval route again, and a schedule waits for the new
    approval.
    """
    post = get_post(session, actor=actor, post_id=post_id)
    _check_author(post, actor, "edit")
    status = PostStatus(post.status)
    if status not in EDITABLE:
        raise Conflict(
            "post %(post)s is %(status)s: it can no longer be edited",
            post=post.id,
            status=status.value,
        )
    if any(t.status == TargetStatus.PUBLISHED.value for t in post.targets):
        raise Conflict(
            "post %(post)s is already published on some accounts: write a new post", post=post.id
        )
    if version is not None and version != post.version:
        raise Conflict(
            "version: you edited version %(version)s of post %(post)s, but it is now at "
            "version %(current)s: reload it",
            version=version,
            post=post.id,
            current=post.version,
        )
    new_text = post.text if text is None else text
    new_reply = post.reply_to if reply_to is None else (reply_to or None)
    current_ids = [t.account_id for t in post.targets]
    new_ids = list(account_ids) if account_ids is not None else current_ids
    if (new_text, new_reply, new_ids) == (post.text, post.reply_to, current_ids) and lang is None:
        return post
    accounts, review = _targets_and_review(
        session, engine, actor=actor, text=new_text, reply_to=new_reply, lang=lang, ids=new_ids
    )
    before = _snapshot(post)
    approvals.supersede(
        session, post=post, actor=actor.email, reason=f"post edited to version {post.version + 1}"
    )
    post.text = new_text
    post.reply_to = new_reply
    post.version += 1
    post.override_reason = None
    _store_review(post, review)
    _set_targets(post, accounts)
    post.status = PostStatus.DRAFT.value
    session.flush()
    _audit(session, actor, post, "post.edit", before=before)
    if status in RESUBMIT_AFTER_EDIT and effective_verdict(post) != "block":
        _route(session, post=post, policy=engine.policy, accounts=accounts, actor=actor, now=now)
    return post


def submit_post(
    session: Session,
    *,
    actor: Actor,
    engine: Engine,
    post_id: int,
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> Post:
    """Send a draft on its approval route. With ``scheduled_at``, it is scheduled for that
    time as soon as it is approved."""
    post = get_post(session, actor=actor, post_id=post_id)
    _check_author(post, actor, "submit")
    if PostStatus(post.status) not in SUBMITTABLE:
        raise Conflict(
            "post %(post)s is %(status)s: only drafts, and posts sent back to their author, can "
            "be submitted",
            post=post.id,
            status=post.status,
        )
    accounts = _targets(
        session, engine.policy, actor=actor, account_ids=[t.account_id for t in post.targets]
    )
    # Reviewed again: the policy (or the author's role) may have changed since the last edit.
    review = _review(
        engine,
        actor=actor,
        text=post.text,
        reply_to=post.reply_to,
        lang=None,
        accounts=accounts,
    )
    _check_complaint_reply(
        engine,
        actor=actor,
        text=post.text,
        reply_to=post.reply_to,
        lang=None,
        accounts=accounts,
        review=review,
    )
    _store_review(post, review)
    _check_not_blocked(post, "submitted")
    now = now or utcnow()
    when = _aware(scheduled_at, "scheduled_at")
    if when is not None and when < now - PAST_TOLERANCE:
        raise InvalidInput("scheduled_at: that time is in the past")
    if when is not None:
        post.scheduled_at = when
    _route(session, post=post, policy=engine.policy, accounts=accounts, actor=actor, now=now)
    return post


def _route(
    session: Session,
    *,
    post: Post,
    policy: Policy,
    accounts: Sequence[SocialAccount],
    actor: Actor,
    now: datetime | None,
) -> None:
    before = _snapshot(post)
    if approvals.approval_required(policy, verdict=effective_verdict(post), accounts=accounts):
        post.status = PostStatus.IN_REVIEW.value
        _audit(session, actor, post, "post.submit", before=before)
        approvals.open_chain(session, post=post, policy=policy, actor=actor.email, now=now)
        return
    post.status = PostStatus.APPROVED.value
    _audit(
        session,
        actor,
        post,
        "post.submit",
        before=before,
        reason="no approval needed: the verdict and the accounts' policy ask for none",
    )
    after_approval(session, post=post, actor=actor)


def after_approval(session: Session, *, post: Post, actor: Actor) -> None:
    """A post was just approved: if its author chose a time, it is scheduled now."""
    if post.scheduled_at is not None:
        _schedule(session, post=post, actor=actor, at=post.scheduled_at)


def _schedule(session: Session, *, post: Post, actor: Actor, at: datetime) -> None:
    before = _snapshot(post)
    post.scheduled_at = at
    post.status = PostStatus.SCHEDULED.value
    session.flush()
    _audit(session, actor, post, "post.schedule", before=before)
    _enqueue(session, post.id, actor)


def schedule_post(
    session: Session,
    *,
    actor: Actor,
    engine: Engine,
    post_id: int,
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> Post:
    """Schedule an approved post for ``scheduled_at``, or publish it now (``None``).

    Publishing now is refused while a crisis freeze covers one of its accounts; a post
    scheduled for later simply waits while publishing is frozen.
    """
    post = get_post(session, actor=actor, post_id=post_id)
    if post.author_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden(
            "only the author of post %(post)s or an administrator may schedule it", post=post.id
        )
    _check_not_blocked(post, "scheduled")
    if post.status not in (PostStatus.APPROVED.value, PostStatus.SCHEDULED.value):
        if post.status == PostStatus.DRAFT.value:
            raise Conflict(
                "post %(post)s is a draft: only approved posts can be scheduled (submit it first)",
                post=post.id,
            )
        raise Conflict(
            "post %(post)s is %(status)s: only approved posts can be scheduled",
            post=post.id,
            status=post.status,
        )
    accounts = _targets(
        session, engine.policy, actor=actor, account_ids=[t.account_id for t in post.targets]
    )
    now = now or utcnow()
    when = _aware(scheduled_at, "scheduled_at")
    if when is not None and when < now - PAST_TOLERANCE:
        raise InvalidInput("scheduled_at: that time is in the past; leave it out to publish now")
    if when is None:
        from hashtags.crisis.service import is_frozen

        frozen = [a.handle for a in accounts if is_frozen(session, account_id=a.id)]
        if frozen:
            raise Conflict(
                "publishing is frozen for %(accounts)s (crisis freeze): schedule it for later, "
                "or resume publishing first",
                accounts=", ".join(frozen),
            )
    _schedule(session, post=post, actor=actor, at=when or now)
    return post


def unschedule_post(session: Session, *, actor: Actor, post_id: int) -> Post:
    """Take a scheduled post off the schedule; it stays approved."""
    post = get_post(session, actor=actor, post_id=post_id)
    if post.author_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden(
            "only the author of post %(post)s or an administrator may unschedule it",
            post=post.id,
        )
    if post.status != PostStatus.SCHEDULED.value:
        raise Conflict(
            "post %(post)s is %(status)s, not scheduled", post=post.id, status=post.status
        )
    before = _snapshot(post)
    post.status = PostStatus.APPROVED.value
    post.scheduled_at = None
    for target in post.targets:
        if target.status == TargetStatus.QUEUED.value:
            target.status = TargetStatus.PENDING.value
    session.flush()
    _audit(session, actor, post, "post.unschedule", before=before)
    return post


def override_block(session: Session, *, actor: Actor, post_id: int, reason: str) -> Post:
    """An administrator lifts a ``block`` verdict, in writing. The post is then handled as a
    ``review`` verdict: it still needs approval. An edit cancels the override."""
    if not actor.can(Permission.POSTS_OVERRIDE_BLOCK):
        raise Forbidden("your role (%(role)s) may not override a block", role=actor.role.value)
    post = get_post(session, actor=actor, post_id=post_id)
    if post.author_id == actor.user_id:
        raise Forbidden("an override must come from someone other than the post's author")
    if post.verdict != "block":
        raise Conflict(
            "post %(post)s's verdict is %(verdict)s: there is no block to override",
            post=post.id,
            verdict=post.verdict,
        )
    if post.status in (PostStatus.PUBLISHED.value, PostStatus.ARCHIVED.value):
        raise Conflict("post %(post)s is %(status)s", post=post.id, status=post.status)
    reason = reason.strip()
    if len(reason) < OVERRIDE_REASON_MIN_CHARS:
        raise InvalidInput(
            "reason: explain in at least %(least)s characters why this post may go out despite "
            "the block (it is kept in the audit log)",
            least=OVERRIDE_REASON_MIN_CHARS,
        )
    before = _snapshot(post)
    post.override_reason = reason
    session.flush()
    _audit(session, actor, post, "post.override", before=before, reason=reason)
    return post


def archive_post(session: Session, *, actor: Actor, post_id: int) -> Post:
    """Archive a post (published, or withdrawn before publication)."""
    post = get_post(session, actor=actor, post_id=post_id)
    if post.author_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden(
            "only the author of post %(post)s or an administrator may archive it", post=post.id
        )
    if post.status == PostStatus.SCHEDULED.value:
        raise Conflict("post %(post)s is scheduled: unschedule it first", post=post.id)
    if post.status == PostStatus.ARCHIVED.value:
        raise Conflict("post %(post)s is already archived", post=post.id)
    before = _snapshot(post)
    approvals.supersede(session, post=post, actor=actor.email, reason="post archived")
    post.status = PostStatus.ARCHIVED.value
    session.flush()
    _audit(session, actor, post, "post.archive", before=before)
    return post


def _unpublish_refusal(policy: Policy, *, actor: Actor, account: SocialAccount) -> Forbidden | None:
    """Why ``actor`` may not take a post down from ``account``, or None when they may."""
    if account.kind == "personal":
        if account.owner_id != actor.user_id:
            return Forbidden(
                "account %(account)s (%(handle)s) is someone else's personal account: only its "
                "owner takes posts down from it",
                account=account.id,
                handle=account.handle,
            )
        return None
    if actor.can(Permission.CRISIS_FREEZE):
        return None  # those who may stop all publishing may take any brand post down
    return publish_refusal(policy, actor=actor, account=account)


def unpublish_post(
    session: Session,
    *,
    actor: Actor,
    engine: Engine,
    post_id: int,
    account_ids: Sequence[int] | None = None,
    reason: str | None = None,
) -> list[Job]:
    """Take a published post down from its networks (every one, or ``account_ids``).

    One ``delete`` job per publication goes to the outbox; the worker deletes it from the
    network and marks the target ``deleted`` (until then it stays ``published``). Allowed to
    the owner of a personal account; on brand accounts, to those who may publish there and
    to those who may freeze publishing (crisis response, compliance, administrators). Returns
    the jobs, queued or already on their way.
    """
    if not actor.can(Permission.POSTS_UNPUBLISH):
        raise Forbidden("your role (%(role)s) may not take posts down", role=actor.role.value)
    post = get_post(session, actor=actor, post_id=post_id)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise InvalidInput("reason: at most %(most)s characters", most=MAX_REASON_CHARS)
    live = [t for t in post.targets if t.status == TargetStatus.PUBLISHED.value]
    if account_ids is not None:
        unknown = sorted(set(account_ids) - {t.account_id for t in post.targets})
        if unknown:
            raise InvalidInput(
                "account_ids: post %(post)s does not go to account(s) %(accounts)s",
                post=post.id,
                accounts=", ".join(map(str, unknown)),
            )
        live = [t for t in live if t.account_id in account_ids]
    if not live:
        if account_ids is not None:
            raise Conflict(
                "post %(post)s is not published on those accounts: there is nothing to take down",
                post=post.id,
            )
        raise Conflict(
            "post %(post)s is not published on any account: there is nothing to take down",
            post=post.id,
        )
    accounts = {a.id: a for a in accounts_of(session, post)}
    for target in live:
        account = accounts[target.account_id]
        refusal = _unpublish_refusal(engine.policy, actor=actor, account=account)
        if refusal is not None:
            raise refusal
    chosen = [t.account_id for t in live]
    record(
        session,
        actor=actor.email,
        action="post.unpublish",
        target_type="post",
        target_id=post.id,
        before=_snapshot(post),
        after={"take_down_from": chosen},
        reason=reason,
    )
    return _enqueue_delete(session, post.id, actor, chosen, reason)
