"""Service configuration, from the environment (prefix ``HASHTAGS_``) or a ``.env`` file."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HASHTAGS_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///hashtags.sqlite3"
    """SQLAlchemy URL: the embedded SQLite file by default, or postgresql+psycopg://..."""
    secret_key: str = DEFAULT_SECRET
    """Signs session cookies and CSRF tokens; derives the credential key when none is set."""
    encryption_key: str | None = None
    """Fernet key (url-safe base64, 32 bytes) for connector credentials at rest."""
    policy_path: Path | None = None
    """The policy file; the demo policy when unset."""
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "HASHTAGS_SECRET_KEY is the default value; set a long random secret before "
                "running in production"
            )
        return self

    @property
    def fernet_key(self) -> bytes:
        if self.encryption_key:
            return self.encryption_key.encode()
        digest = hashlib.sha256(("hashtags-credentials:" + self.secret_key).encode()).digest()
        return base64.urlsafe_b64encode(digest)


@cache
def get_settings() -> Settings:
    return Settings()
