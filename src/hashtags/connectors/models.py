"""The sandbox network's posts, stored in our own database (for demos and tests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashtags.storage.db import Base, UTCDateTime, utcnow


class SandboxPost(Base):
    """A post on the sandbox network. ``idempotency_key`` is unique, as a real network's
    idempotency header would be: publishing twice with one key returns the first post."""

    __tablename__ = "sandbox_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    author: Mapped[str] = mapped_column(String(200))
    """The handle that posted it (an account of ours, or a simulated member of the public)."""
    text: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    in_reply_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
