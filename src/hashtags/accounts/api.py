"""``/accounts`` (administrators manage, everyone lists) and ``/me/accounts`` (one's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from hashtags.accounts import service
from hashtags.accounts.models import SocialAccount
from hashtags.accounts.schemas import AccountIn, AccountOut, AccountPatch, PersonalAccountIn
from hashtags.api.deps import DbSession, SettingsDep, require
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.policy.schema import Policy
from hashtags.posts.schemas import IdPath
from hashtags.review.api import policy_engine

router = APIRouter(tags=["accounts"])
Reader = Annotated[Actor, require(Permission.ACCOUNTS_READ)]
Manager = Annotated[Actor, require(Permission.ACCOUNTS_MANAGE)]
Writer = Annotated[Actor, require(Permission.POSTS_WRITE)]


def _policy(request: Request) -> Policy:
    return policy_engine(request).policy


@router.get("/accounts")
def list_accounts(db: DbSession, actor: Reader) -> list[AccountOut]:
    """Brand accounts and your personal ones (administrators: every account)."""
    return [AccountOut.of(a) for a in service.list_accounts(db, actor=actor)]


@router.get("/accounts/{account_id}")
def get_account(account_id: IdPath, db: DbSession, actor: Reader) -> AccountOut:
    return AccountOut.of(service.get_account(db, account_id=account_id, actor=actor))


@router.post("/accounts", status_code=201)
def create_account(
    body: AccountIn, request: Request, db: DbSession, settings: SettingsDep, actor: Manager
) -> AccountOut:
    account = service.create_account(
        db,
        actor=actor,
        policy=_policy(request),
        settings=settings,
        kind=body.kind,
        network=body.network,
        handle=body.handle,
        base_url=body.base_url,
        policy_id=body.policy_id,
        owner_id=body.owner_id,
        credentials=body.credentials,
    )
    return AccountOut.of(account)


@router.patch("/accounts/{account_id}")
def update_account(
    account_id: IdPath,
    body: AccountPatch,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    actor: Manager,
) -> AccountOut:
    return AccountOut.of(_update(account_id, body, request, db, settings, actor))


@router.delete("/accounts/{account_id}", status_code=204)
def delete_account(account_id: IdPath, db: DbSession, actor: Manager) -> None:
    service.delete_account(db, actor=actor, account_id=account_id)


@router.get("/me/accounts")
def my_accounts(db: DbSession, actor: Writer) -> list[AccountOut]:
    """Your personal accounts."""
    return [AccountOut.of(a) for a in service.list_accounts(db, actor=actor, mine=True)]


@router.post("/me/accounts", status_code=201)
def register_personal_account(
    body: PersonalAccountIn, request: Request, db: DbSession, settings: SettingsDep, actor: Writer
) -> AccountOut:
    """Opt in: register your own account so that your posts there are reviewed first."""
    account = service.create_account(
        db,
        actor=actor,
        policy=_policy(request),
        settings=settings,
        kind="personal",
        network=body.network,
        handle=body.handle,
        base_url=body.base_url,
        owner_id=actor.user_id,
        credentials=body.credentials,
    )
    return AccountOut.of(account)


@router.patch("/me/accounts/{account_id}")
def update_personal_account(
    account_id: IdPath,
    body: AccountPatch,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    actor: Writer,
) -> AccountOut:
    service.get_account(db, account_id=account_id, actor=actor, mine=True)
    return AccountOut.of(_update(account_id, body, request, db, settings, actor))


@router.delete("/me/accounts/{account_id}", status_code=204)
def delete_personal_account(account_id: IdPath, db: DbSession, actor: Writer) -> None:
    service.get_account(db, account_id=account_id, actor=actor, mine=True)
    service.delete_account(db, actor=actor, account_id=account_id)


def _update(
    account_id: IdPath,
    body: AccountPatch,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    actor: Actor,
) -> SocialAccount:
    return service.update_account(
        db,
        actor=actor,
        policy=_policy(request),
        settings=settings,
        account_id=account_id,
        handle=body.handle,
        base_url=body.base_url,
        policy_id=body.policy_id,
        credentials=body.credentials,
        clear_credentials=body.clear_credentials,
    )
