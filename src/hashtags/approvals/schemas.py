"""Request and response bodies for approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hashtags.approvals.models import ApprovalRequest
from hashtags.approvals.service import MAX_COMMENT_CHARS
from hashtags.posts.schemas import MAX_ID, PostOut


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "request_changes", "reject", "comment"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)
    """Required to request changes, reject or comment."""
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    """The post version you read: refused if the post changed since."""


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    email: str
    role: str
    decision: str
    comment: str | None
    post_version: int
    created_at: datetime


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    post_id: int
    post_version: int
    step: int
    """1-based: step ``step`` of ``steps``."""
    steps: int
    mode: str
    roles: list[str]
    people: list[str]
    status: str
    created_at: datetime
    due_at: datetime
    escalate_to: str
    escalated_at: datetime | None
    decided_at: datetime | None
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, request: ApprovalRequest) -> RequestOut:
        return cls(
            id=request.id,
            post_id=request.post_id,
            post_version=request.post_version,
            step=request.step + 1,
            steps=len(request.chain),
            mode=request.mode,
            roles=request.roles,
            people=request.people,
            status=request.status,
            created_at=request.created_at,
            due_at=request.due_at,
            escalate_to=request.escalate_to,
            escalated_at=request.escalated_at,
            decided_at=request.decided_at,
            decisions=[DecisionOut.model_validate(d) for d in request.decisions],
        )


class QueueItemOut(RequestOut):
    post: PostOut

    @classmethod
    def with_post(cls, request: ApprovalRequest) -> QueueItemOut:
        return cls(**RequestOut.of(request).model_dump(), post=PostOut.of(request.post))
