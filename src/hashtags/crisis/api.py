"""``/crisis``: see what is frozen; freeze and resume publishing (crisis responders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hashtags.api.deps import DbSession, require
from hashtags.crisis import service
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.posts.schemas import RowId

router = APIRouter(prefix="/crisis", tags=["crisis"])
Responder = Annotated[Actor, require(Permission.CRISIS_FREEZE)]


class FreezeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: RowId | None = None
    """One account; all publishing when absent."""
    reason: str | None = Field(default=None, max_length=service.MAX_REASON_CHARS)


class AccountFreezeOut(BaseModel):
    account_id: int
    handle: str
    since: datetime | None
    by: str | None
    reason: str | None


class FreezeStateOut(BaseModel):
    frozen: bool
    since: datetime | None
    by: str | None
    reason: str | None
    accounts: list[AccountFreezeOut]


def _out(db: DbSession) -> FreezeStateOut:
    current = service.state(db)
    return FreezeStateOut(
        frozen=current.frozen,
        since=current.since,
        by=current.by,
        reason=current.reason,
        accounts=[
            AccountFreezeOut(
                account_id=a.account_id, handle=a.handle, since=a.since, by=a.by, reason=a.reason
            )
            for a in current.accounts
        ],
    )


@router.get("")
def crisis_state(
    db: DbSession, actor: Annotated[Actor, require(Permission.POSTS_READ)]
) -> FreezeStateOut:
    """Whether publishing is frozen (everywhere, or which accounts)."""
    return _out(db)


@router.post("/freeze")
def freeze(body: FreezeIn, db: DbSession, actor: Responder) -> FreezeStateOut:
    """Pause all scheduled publishing, or one account's: posts wait, nothing is lost."""
    service.freeze(db, actor=actor, account_id=body.account_id, reason=body.reason)
    return _out(db)


@router.post("/resume")
def resume(body: FreezeIn, db: DbSession, actor: Responder) -> FreezeStateOut:
    """Resume publishing; scheduled posts whose time has come go out on the worker's next run."""
    service.resume(db, actor=actor, account_id=body.account_id, reason=body.reason)
    return _out(db)
