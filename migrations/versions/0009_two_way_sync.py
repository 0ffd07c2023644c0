"""Two-way sync with Google: push channels, per-host sync state, and two booking columns.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:40:00
"""

import sqlalchemy as sa
from alembic import op

import kaleno.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "google_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_number", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            kaleno.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            kaleno.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_google_channels_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_google_channels")),
    )
    op.create_index(
        op.f("ix_google_channels_user_id"), "google_channels", ["user_id"], unique=False
    )
    op.create_table(
        "calendar_syncs",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("last_synced_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_full_sync_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("next_poll_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "next_reconcile_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            kaleno.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            kaleno.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_syncs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_syncs")),
    )
    op.create_index(
        op.f("ix_calendar_syncs_next_poll_at"), "calendar_syncs", ["next_poll_at"], unique=False
    )
    op.create_index(
        op.f("ix_calendar_syncs_next_reconcile_at"),
        "calendar_syncs",
        ["next_reconcile_at"],
        unique=False,
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("google_event_updated", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("rules_warning", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("rules_warning")
        batch.drop_column("google_event_updated")
    op.drop_index(op.f("ix_calendar_syncs_next_reconcile_at"), table_name="calendar_syncs")
    op.drop_index(op.f("ix_calendar_syncs_next_poll_at"), table_name="calendar_syncs")
    op.drop_table("calendar_syncs")
    op.drop_index(op.f("ix_google_channels_user_id"), table_name="google_channels")
    op.drop_table("google_channels")
