"""Customer pages: the iCalendar SEQUENCE of each booking, and the origins a host lets
frame its booking pages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embed_origins", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("embed_origins")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("sequence")
