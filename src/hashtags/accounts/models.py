"""Accounts on a social network, with their connector credentials encrypted at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hashtags.storage.db import Base, UTCDateTime, utcnow


class SocialAccount(Base):
    """A brand account (``kind="brand"``, publishers from the policy's ``accounts``) or an
    employee's personal account (``kind="personal"``, ``owner_id`` set)."""

    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("network", "handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    """The ``accounts[].id`` of the policy for brand accounts."""
    kind: Mapped[str] = mapped_column(String(10))
    network: Mapped[str] = mapped_column(String(20))
    handle: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    """The instance or PDS (Mastodon, Bluesky); None for the sandbox."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    credentials: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Fernet-encrypted JSON (access token, app password...). Never returned by the API."""
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    """Crisis freeze of this account's scheduled publishing."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
