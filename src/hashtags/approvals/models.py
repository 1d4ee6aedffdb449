"""Approval requests (one per step of a post's chain, per version) and the decisions on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hashtags.posts.models import Post
from hashtags.storage.db import Base, UTCDateTime, utcnow


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    EXPIRED = "expired"
    """Nobody decided, even after escalation: the post went back to its author."""
    SUPERSEDED = "superseded"
    """The post was edited (or withdrawn): the request was for a version that is gone."""


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    COMMENT = "comment"


class ApprovalRequest(Base):
    """One step of a post's approval chain, for one version of the post.

    ``chain`` is the whole chain (a list of ``{"mode", "roles", "people"}``) so that the next
    step can be opened when this one is done; ``step`` is this request's index in it.
    """

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    post_version: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    chain: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(3))
    """``any``: one of the roles or people approves; ``all``: each of them does."""
    roles: Mapped[list[str]] = mapped_column(JSON)
    people: Mapped[list[str]] = mapped_column(JSON)
    """E-mail addresses, lower case."""
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expire_hours: Mapped[int] = mapped_column(Integer)
    escalate_to: Mapped[str] = mapped_column(String(40))
    """The role that may decide once the request has expired once (policy.approvals)."""
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    post: Mapped[Post] = relationship()
    decisions: Mapped[list[ApprovalDecision]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ApprovalDecision.id"
    )


class ApprovalDecision(Base):
    """An approver's word on a request: approve, request changes, reject, or a comment."""

    __tablename__ = "approval_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    covers: Mapped[list[str]] = mapped_column(JSON)
    """For approvals: what of the step this person satisfies (``role:pr``, ``person:ana@x``,
    ``escalation:compliance``)."""
    post_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ApprovalRequest] = relationship(back_populates="decisions")
