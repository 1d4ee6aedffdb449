"""Crisis freezes: who paused publishing, where, why, and when it resumed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashtags.storage.db import Base, UTCDateTime, utcnow


class CrisisFreeze(Base):
    """One freeze: of all publishing (``account_id`` None) or of one account.

    Active while ``ended_at`` is None. An account's freeze is also mirrored in
    ``SocialAccount.frozen``, which is what the publishing worker reads (through
    ``hashtags.crisis.service.is_frozen``).
    """

    __tablename__ = "crisis_freezes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_by: Mapped[str] = mapped_column(String(320))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    resume_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
