"""Alembic environment: the connection comes from ``hashtags.storage.migrate``."""

from __future__ import annotations

from alembic import context

from hashtags.storage.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hashtags.storage.migrate.upgrade()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
