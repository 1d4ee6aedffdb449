"""Crisis freeze: pause scheduled publishing everywhere, or on one account, and resume it.

Posts stay ``scheduled`` while publishing is frozen; the publishing worker asks
:func:`is_frozen` before it publishes each target, and sends them once publishing resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.audit.service import record
from hashtags.crisis.models import CrisisFreeze
from hashtags.errors import Conflict, InvalidInput
from hashtags.people.service import Actor
from hashtags.storage.db import utcnow

MAX_REASON_CHARS = 2_000


def _active(session: Session, *, account_id: int | None) -> CrisisFreeze | None:
    query = select(CrisisFreeze).where(CrisisFreeze.ended_at.is_(None))
    if account_id is None:
        query = query.where(CrisisFreeze.account_id.is_(None))
    else:
        query = query.where(CrisisFreeze.account_id == account_id)
    return session.execute(query.order_by(CrisisFreeze.id.desc())).scalars().first()


def is_frozen(session: Session, *, account_id: int | None) -> bool:
    """Whether publishing on ``account_id`` is paused: by a global freeze or the account's own.

    ``account_id=None`` asks about the global freeze only.
    """
    if _active(session, account_id=None) is not None:
        return True
    if account_id is None:
        return False
    frozen = session.execute(
        select(SocialAccount.frozen).where(SocialAccount.id == account_id)
    ).scalar_one_or_none()
    return bool(frozen)


def _account(session: Session, account_id: int) -> SocialAccount:
    account = session.get(SocialAccount, account_id)
    if account is None:
        raise InvalidInput("account_id: account %(account)s does not exist", account=account_id)
    return account


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput("reason: at most %(most)s characters", most=MAX_REASON_CHARS)
    return reason or None


def freeze(
    session: Session, *, actor: Actor, account_id: int | None = None, reason: str | None = None
) -> CrisisFreeze:
    """Pause all scheduled publishing (or one account's). Audited."""
    reason = _reason(reason)
    account = _account(session, account_id) if account_id is not None else None
    current = _active(session, account_id=account_id)
    if current is not None:
        since = f"{current.started_at:%Y-%m-%d %H:%M}"
        if account is None:
            raise Conflict(
                "all publishing is already frozen, since %(since)s UTC by %(by)s",
                since=since,
                by=current.started_by,
            )
        raise Conflict(
            "account %(handle)s is already frozen, since %(since)s UTC by %(by)s",
            handle=account.handle,
            since=since,
            by=current.started_by,
        )
    row = CrisisFreeze(
        account_id=account_id, reason=reason, started_by=actor.email, started_at=utcnow()
    )
    session.add(row)
    if account is not None:
        account.frozen = True
    session.flush()
    record(
        session,
        actor=actor.email,
        action="crisis.freeze",
        target_type="social_account" if account is not None else "publishing",
        target_id=account_id if account_id is not None else "all",
        before={"frozen": False},
        after={"frozen": True, "freeze_id": row.id},
        reason=reason,
    )
    return row


def resume(
    session: Session, *, actor: Actor, account_id: int | None = None, reason: str | None = None
) -> CrisisFreeze:
    """Resume publishing after a freeze (global, or one account's). Audited."""
    reason = _reason(reason)
    account = _account(session, account_id) if account_id is not None else None
    current = _active(session, account_id=account_id)
    if current is None and not (account is not None and account.frozen):
        if account is None:
            raise Conflict("publishing is not frozen")
        raise Conflict("account %(handle)s is not frozen", handle=account.handle)
    if current is None:
        # The flag was set without a freeze record (by hand, or by an older version).
        assert account is not None
        current = CrisisFreeze(account_id=account.id, started_by="unknown", started_at=utcnow())
        session.add(current)
    current.ended_at = utcnow()
    current.ended_by = actor.email
    current.resume_reason = reason
    if account is not None:
        account.frozen = False
    session.flush()
    record(
        session,
        actor=actor.email,
        action="crisis.resume",
        target_type="social_account" if account is not None else "publishing",
        target_id=account_id if account_id is not None else "all",
        before={"frozen": True, "freeze_id": current.id},
        after={"frozen": False},
        reason=reason,
    )
    return current


@dataclass(frozen=True, slots=True)
class AccountFreeze:
    account_id: int
    handle: str
    since: datetime | None
    by: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class FreezeState:
    frozen: bool
    """All publishing is paused."""
    since: datetime | None
    by: str | None
    reason: str | None
    accounts: list[AccountFreeze]
    """Accounts frozen on their own."""


def state(session: Session) -> FreezeState:
    """What is frozen now, by whom and why."""
    current = _active(session, account_id=None)
    accounts: list[AccountFreeze] = []
    frozen_accounts = session.execute(
        select(SocialAccount).where(SocialAccount.frozen.is_(True)).order_by(SocialAccount.id)
    ).scalars()
    for account in frozen_accounts:
        row = _active(session, account_id=account.id)
        accounts.append(
            AccountFreeze(
                account_id=account.id,
                handle=account.handle,
                since=row.started_at if row else None,
                by=row.started_by if row else None,
                reason=row.reason if row else None,
            )
        )
    return FreezeState(
        frozen=current is not None,
        since=current.started_at if current else None,
        by=current.started_by if current else None,
        reason=current.reason if current else None,
        accounts=accounts,
    )
