"""Request and response bodies for people, sessions and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class LoginOut(BaseModel):
    csrf_token: str
    two_factor_required: bool


class CodeIn(BaseModel):
    code: str = Field(min_length=6, max_length=10, pattern=r"^[0-9 ]+$")


class TotpSetupOut(BaseModel):
    provisioning_uri: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str
    language: str
    totp_enabled: bool
    active: bool


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: str
    password: str = Field(min_length=1, max_length=1000)
    team: str | None = Field(default=None, max_length=120)
    language: Literal["es", "en"] = "es"


class UserPatch(BaseModel):
    role: str | None = None
    active: bool | None = None
    language: Literal["es", "en"] | None = None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(min_length=1, max_length=32)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str
    """Shown once: only its hash is stored."""
