"""Request and response bodies for posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from hashtags.posts.models import Post

MAX_ID = 2**31 - 1
"""Row ids are 32-bit integers on PostgreSQL: larger ones are refused as input, not crashed on."""
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An id in a URL path: ``/posts/{post_id}``."""
Lang = Literal["es", "en", "pt", "fr", "it", "de"]
MAX_TEXT = 200_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    account_ids: list[RowId] = Field(min_length=1, max_length=20)
    reply_to: str | None = Field(default=None, max_length=MAX_TEXT)
    """The text being answered, if the post is a reply."""
    lang: Lang | None = None


class PostPatch(_In):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    account_ids: list[RowId] | None = Field(default=None, min_length=1, max_length=20)
    reply_to: str | None = Field(default=None, max_length=MAX_TEXT)
    """An empty string removes it."""
    lang: Lang | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    """The version you edited: refused if the post changed in the meantime."""


class SubmitIn(_In):
    scheduled_at: datetime | None = None
    """Schedule for this time as soon as the post is approved."""


class ScheduleIn(_In):
    scheduled_at: datetime | None = None
    """When to publish; publish now when absent."""


class OverrideIn(_In):
    reason: str = Field(max_length=5_000)


class UnpublishIn(_In):
    account_ids: list[RowId] | None = Field(default=None, min_length=1, max_length=20)
    """Take it down from these accounts only; from every account when absent."""
    reason: str | None = Field(default=None, max_length=5_000)
    """Why (kept in the audit log)."""


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: int
    status: str
    external_url: str | None
    published_at: datetime | None
    error: str | None


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: int
    text: str
    lang: str | None
    reply_to: str | None
    status: str
    verdict: str | None
    review: dict[str, Any] | None
    """The engine's review of this version: verdict, findings, policy version."""
    policy_version: str | None
    scheduled_at: datetime | None
    override_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    targets: list[TargetOut]

    @classmethod
    def of(cls, post: Post) -> PostOut:
        return cls.model_validate(post)
