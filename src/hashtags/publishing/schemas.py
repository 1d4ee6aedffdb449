"""Response bodies for the publishing outbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from hashtags.publishing.models import Job


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    post_id: int | None
    target_id: int | None
    account_id: int | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            post_id=job.payload.get("post_id"),
            target_id=job.payload.get("target_id"),
            account_id=job.payload.get("account_id"),
            attempts=job.attempts,
            next_attempt_at=job.next_attempt_at,
            last_error=job.last_error,
            created_at=job.created_at,
            updated_at=job.updated_at,
            finished_at=job.finished_at,
        )
