"""users.bookings_version: a per-host counter bumped with every booking change, so cached
slot answers are keyed without counting the host's whole booking history.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bookings_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("bookings_version")
