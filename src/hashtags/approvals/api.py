"""``/approvals``: my queue, one request, and deciding on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from hashtags.api.deps import DbSession, require
from hashtags.approvals import service
from hashtags.approvals.schemas import DecisionIn, QueueItemOut, RequestOut
from hashtags.errors import NotFound
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.posts.schemas import IdPath

router = APIRouter(prefix="/approvals", tags=["approvals"])
Approver = Annotated[Actor, require(Permission.APPROVALS_DECIDE)]


@router.get("")
def my_queue(db: DbSession, actor: Approver) -> list[QueueItemOut]:
    """Requests waiting for your decision, the most urgent first."""
    return [QueueItemOut.with_post(r) for r in service.queue(db, actor=actor)]


@router.get("/{request_id}")
def get_request(request_id: IdPath, db: DbSession, actor: Approver) -> QueueItemOut:
    request = service.get_request(db, request_id=request_id)
    if request.post.author_id == actor.user_id:
        raise NotFound("approval request %(request)s not found", request=request_id)
    return QueueItemOut.with_post(request)


@router.post("/{request_id}/decision")
def decide(request_id: IdPath, body: DecisionIn, db: DbSession, actor: Approver) -> RequestOut:
    """Approve, request changes, reject (both with a comment for the author), or comment."""
    request = service.decide(
        db,
        actor=actor,
        request_id=request_id,
        decision=body.decision,
        comment=body.comment,
        version=body.version,
    )
    return RequestOut.of(request)
