"""Saved policy versions (the web app's policy editor).

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

import hashtags.storage.db  # custom column types


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", hashtags.storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_policy_versions_number")),
    )


def downgrade() -> None:
    op.drop_table("policy_versions")
