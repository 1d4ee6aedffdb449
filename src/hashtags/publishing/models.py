"""The outbox: one job per publication, written in the transaction that schedules the post."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashtags.connectors.models import SandboxPost
from hashtags.storage.db import Base, UTCDateTime, utcnow

__all__ = ["Job", "JobKind", "JobStatus", "SandboxPost"]
# SandboxPost is imported here so that registering this module registers the sandbox's table.


class JobKind(StrEnum):
    PUBLISH = "publish"
    DELETE = "delete"
    """Take a published post down from one of its networks."""


class JobStatus(StrEnum):
    QUEUED = "queued"
    """Waiting for ``next_attempt_at``."""
    RUNNING = "running"
    """Claimed by ``locked_by`` at ``locked_at``; reclaimed when that lease runs out (the
    worker renews ``locked_at`` while a slow network call is in progress)."""
    DONE = "done"
    FAILED = "failed"
    """Permanently: ``last_error`` says why."""
    CANCELLED = "cancelled"
    """The post changed or was withdrawn after the job was queued."""


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """For ``publish``: ``post_id``, ``target_id``, ``account_id`` and the post ``version``;
    for ``delete``: ``post_id``, ``target_id``, ``account_id`` and the network's
    ``external_id`` of the publication."""
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    """Also sent to the network, so a retry can never publish twice."""
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
