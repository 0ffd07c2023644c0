"""Create the users table: hosts keyed by their Google subject.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 22:30:14.840026
"""

import sqlalchemy as sa
from alembic import op

import kaleno.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("google_sub", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("slug", sa.String(length=64), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hosted_domain", sa.String(length=255), nullable=True),
        sa.Column("last_login_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("google_sub", name=op.f("uq_users_google_sub")),
        sa.UniqueConstraint("slug", name=op.f("uq_users_slug")),
    )


def downgrade() -> None:
    op.drop_table("users")
