"""The outbox, for people: which publications failed and why, and retrying them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hashtags.api.deps import DbSession, require
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.publishing import service
from hashtags.publishing.models import JobStatus
from hashtags.publishing.schemas import JobOut

router = APIRouter(prefix="/publishing", tags=["publishing"])
JobId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A job's id")]
"""Bounded like the column, so that an absurd id is a 422, not a database error."""


@router.get("/jobs")
def jobs(
    db: DbSession,
    actor: Annotated[Actor, require(Permission.POSTS_READ)],
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[JobOut]:
    """Publishing jobs, newest first; ``?status=failed`` for those that need attention."""
    return [JobOut.of(job) for job in service.list_jobs(db, status=status, limit=limit)]


@router.post("/jobs/{job_id}/retry")
def retry(
    job_id: JobId, db: DbSession, actor: Annotated[Actor, require(Permission.ACCOUNTS_MANAGE)]
) -> JobOut:
    """Queue a failed job again (after fixing the account's credentials, for instance)."""
    return JobOut.of(service.retry_job(db, actor=actor, job_id=job_id))
