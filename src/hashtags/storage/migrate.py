"""Migrations, run from the package (no alembic.ini needed): ``hashtags db upgrade``."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def _config() -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("hashtags.storage") / "migrations")
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """For developers: write a migration for model changes (review it before committing)."""
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
