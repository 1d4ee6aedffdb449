"""Why a post could not be published, as a message id and values, to show it translated.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post_targets") as batch:
        batch.add_column(sa.Column("error_said", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post_targets") as batch:
        batch.drop_column("error_said")
