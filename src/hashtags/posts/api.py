"""``/posts``: write, edit, submit, schedule, override, archive; each change audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from hashtags.api.deps import DbSession, require
from hashtags.approvals.schemas import RequestOut
from hashtags.approvals.service import requests_for
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.posts import service
from hashtags.posts.schemas import (
    IdPath,
    OverrideIn,
    PostIn,
    PostOut,
    PostPatch,
    ScheduleIn,
    SubmitIn,
    UnpublishIn,
)
from hashtags.publishing.schemas import JobOut
from hashtags.review.api import policy_engine

router = APIRouter(prefix="/posts", tags=["posts"])
Reader = Annotated[Actor, require(Permission.POSTS_READ)]
Writer = Annotated[Actor, require(Permission.POSTS_WRITE)]


class PostDetail(PostOut):
    approvals: list[RequestOut]
    """Every approval request of the post, all versions, oldest first."""


@router.get("")
def list_posts(
    db: DbSession,
    actor: Reader,
    status: str | None = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1)] = None,
) -> list[PostOut]:
    """Posts you may see, newest first (``mine``: only yours)."""
    posts = service.list_posts(
        db, actor=actor, status=status, mine=mine, limit=limit, before_id=before_id
    )
    return [PostOut.of(p) for p in posts]


@router.post("", status_code=201)
def create_post(body: PostIn, request: Request, db: DbSession, actor: Writer) -> PostOut:
    """Write a draft: it is reviewed against the policy at once (see ``review``)."""
    post = service.create_post(
        db,
        actor=actor,
        engine=policy_engine(request),
        text=body.text,
        account_ids=body.account_ids,
        reply_to=body.reply_to,
        lang=body.lang,
    )
    return PostOut.of(post)


@router.get("/{post_id}")
def get_post(post_id: IdPath, db: DbSession, actor: Reader) -> PostDetail:
    post = service.get_post(db, actor=actor, post_id=post_id)
    approvals = [RequestOut.of(r) for r in requests_for(db, post_id=post.id)]
    return PostDetail(**PostOut.of(post).model_dump(), approvals=approvals)


@router.patch("/{post_id}")
def update_post(
    post_id: IdPath, body: PostPatch, request: Request, db: DbSession, actor: Writer
) -> PostOut:
    """Edit: a new version, reviewed again; a submitted post goes through approval again."""
    post = service.update_post(
        db,
        actor=actor,
        engine=policy_engine(request),
        post_id=post_id,
        text=body.text,
        account_ids=body.account_ids,
        reply_to=body.reply_to,
        lang=body.lang,
        version=body.version,
    )
    return PostOut.of(post)


@router.post("/{post_id}/submit")
def submit_post(
    post_id: IdPath, request: Request, db: DbSession, actor: Writer, body: SubmitIn | None = None
) -> PostOut:
    """Send the post on its approval route (approved at once when none is needed)."""
    post = service.submit_post(
        db,
        actor=actor,
        engine=policy_engine(request),
        post_id=post_id,
        scheduled_at=body.scheduled_at if body else None,
    )
    return PostOut.of(post)


@router.post("/{post_id}/schedule")
def schedule_post(
    post_id: IdPath, request: Request, db: DbSession, actor: Writer, body: ScheduleIn | None = None
) -> PostOut:
    """Schedule an approved post, or publish it now (no ``scheduled_at``)."""
    post = service.schedule_post(
        db,
        actor=actor,
        engine=policy_engine(request),
        post_id=post_id,
        scheduled_at=body.scheduled_at if body else None,
    )
    return PostOut.of(post)


@router.post("/{post_id}/unschedule")
def unschedule_post(post_id: IdPath, db: DbSession, actor: Writer) -> PostOut:
    return PostOut.of(service.unschedule_post(db, actor=actor, post_id=post_id))


@router.post("/{post_id}/override")
def override_block(
    post_id: IdPath,
    body: OverrideIn,
    db: DbSession,
    actor: Annotated[Actor, require(Permission.POSTS_OVERRIDE_BLOCK)],
) -> PostOut:
    """Lift a ``block`` verdict with a written reason (audited); approval is still needed."""
    return PostOut.of(service.override_block(db, actor=actor, post_id=post_id, reason=body.reason))


@router.post("/{post_id}/archive")
def archive_post(post_id: IdPath, db: DbSession, actor: Writer) -> PostOut:
    return PostOut.of(service.archive_post(db, actor=actor, post_id=post_id))


@router.post("/{post_id}/unpublish", status_code=202)
def unpublish_post(
    post_id: IdPath,
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require(Permission.POSTS_UNPUBLISH)],
    body: UnpublishIn | None = None,
) -> list[JobOut]:
    """Take a published post down from its networks (all, or ``account_ids``): the worker
    deletes each publication; the jobs returned say how it goes (``/publishing/jobs``)."""
    jobs = service.unpublish_post(
        db,
        actor=actor,
        engine=policy_engine(request),
        post_id=post_id,
        account_ids=body.account_ids if body else None,
        reason=body.reason if body else None,
    )
    return [JobOut.of(job) for job in jobs]
