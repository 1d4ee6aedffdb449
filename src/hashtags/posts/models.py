"""Posts and where each is published.

A post moves draft → in_review (waiting for approval) → approved → scheduled → published →
archived; ``changes_requested`` and ``rejected`` send it back to its author. Each target
(post × account) tracks its own publication.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hashtags.errors import Message
from hashtags.storage.db import Base, UTCDateTime, utcnow


class PostStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"
    ARCHIVED = "archived"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(5), nullable=True)
    reply_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT.value, index=True)
    verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)
    review: Mapped[Any] = mapped_column(JSON, nullable=True)
    """The engine's review of the current text (findings carry redacted snippets only)."""
    policy_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """An admin's written reason to publish despite a ``block`` verdict."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Increases with every edit; approvals are tied to the version they approved."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTarget.id"
    )


class TargetStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PUBLISHED = "published"
    FAILED = "failed"
    DELETED = "deleted"


class PostTarget(Base):
    """One account a post goes to, and the result of publishing it there."""

    __tablename__ = "post_targets"
    __table_args__ = (UniqueConstraint("post_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=TargetStatus.PENDING.value)
    external_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    external_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why it failed or is being retried, in English (the API, the audit log)."""
    error_said: Mapped[Any] = mapped_column(JSON, nullable=True)
    """``error`` as a message id and its values (:meth:`hashtags.errors.Message.as_json`), to
    show it in the reader's language; None on rows written before it, whose ``error`` is shown
    as it is."""

    post: Mapped[Post] = relationship(back_populates="targets")

    def set_error(self, said: Message | None) -> None:
        """Say why it failed (None: it has not, or not any more)."""
        self.error = str(said) if said is not None else None
        self.error_said = said.as_json() if said is not None else None
