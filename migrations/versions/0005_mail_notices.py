"""Mail notices: the customer's language on each booking, reminders per event type, and
the host's switch for new-booking emails.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_minutes", sa.JSON(), server_default="[1440]", nullable=False)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_new_booking", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notify_new_booking")
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("reminders_minutes")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("locale")
