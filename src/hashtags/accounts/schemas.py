"""Request and response bodies for social accounts. Credentials go in, never come out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hashtags.accounts.models import SocialAccount
from hashtags.posts.schemas import RowId

Network = Literal["sandbox", "mastodon", "bluesky"]
Kind = Literal["brand", "personal"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonalAccountIn(_In):
    """An employee's own account, registered by the employee (opt-in)."""

    network: Network
    handle: str = Field(min_length=1, max_length=200)
    base_url: str | None = Field(default=None, max_length=300)
    credentials: dict[str, str] | None = Field(default=None, max_length=10)
    """Write-only: the access token or app password for the network, stored encrypted."""


class AccountIn(PersonalAccountIn):
    """An account registered by an administrator: a brand account, or someone's personal one."""

    kind: Kind
    policy_id: str | None = Field(default=None, max_length=120)
    """Brand accounts: the policy's ``accounts[].id`` (who may publish, approval mode)."""
    owner_id: RowId | None = None
    """Personal accounts: whose account it is (the administrator when absent)."""


class AccountPatch(_In):
    handle: str | None = Field(default=None, min_length=1, max_length=200)
    base_url: str | None = Field(default=None, max_length=300)
    policy_id: str | None = Field(default=None, max_length=120)
    credentials: dict[str, str] | None = Field(default=None, max_length=10)
    """New credentials replace the stored ones; ``clear_credentials`` removes them."""
    clear_credentials: bool = False


class AccountOut(BaseModel):
    id: int
    kind: str
    network: str
    handle: str
    base_url: str | None
    policy_id: str | None
    owner_id: int | None
    frozen: bool
    has_credentials: bool
    created_at: datetime

    @classmethod
    def of(cls, account: SocialAccount) -> AccountOut:
        return cls(
            id=account.id,
            kind=account.kind,
            network=account.network,
            handle=account.handle,
            base_url=account.base_url,
            policy_id=account.policy_id,
            owner_id=account.owner_id,
            frozen=account.frozen,
            has_credentials=account.credentials is not None,
            created_at=account.created_at,
        )
