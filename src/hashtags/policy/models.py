"""Saved versions of the policy file, edited in the web app. The newest one is in force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashtags.storage.db import Base, UTCDateTime, utcnow


class PolicyVersion(Base):
    """One saved policy: its YAML source exactly as written, who saved it and why.

    Rows are only ever added; the newest (highest ``number``) is the policy in force. With no
    row, the service enforces ``HASHTAGS_POLICY_PATH`` (or the demo policy).
    """

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
