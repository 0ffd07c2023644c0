"""Emails compared on one case-folded form stored at write time; released slugs quarantined.

Adds ``bookings.customer_email_key`` and ``data_requests.email_key`` (indexed), filled for
existing rows with the same Python function the models use (SQL ``lower()`` folds only
ASCII on SQLite), and the ``released_slugs`` table; clears the stored answers of answered
idempotency keys (replays no longer use them).

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-29 00:05:00
"""

import sqlalchemy as sa
from alembic import op

import kaleno.models.base
from kaleno.models.base import email_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fill(table: str, source: str, target: str) -> None:
    """Compute ``target`` from ``source`` for every row that has one."""
    rows = sa.table(table, sa.column("id", sa.Uuid()), sa.column(source), sa.column(target))
    bind = op.get_bind()
    found = bind.execute(sa.select(rows.c.id, rows.c[source]).where(rows.c[source].is_not(None)))
    for row_id, email in found.all():
        bind.execute(sa.update(rows).where(rows.c.id == row_id).values({target: email_key(email)}))


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_email_key", sa.String(length=320), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_bookings_customer_email_key"), ["customer_email_key"], unique=False
        )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
        batch_op.create_index(batch_op.f("ix_data_requests_email_key"), ["email_key"], unique=False)
    _fill("bookings", "customer_email", "customer_email_key")
    _fill("data_requests", "email", "email_key")
    # Answered keys used to keep the whole 201 body (customer details, Google links) and
    # the sealed manage token for replays; replays now re-read the booking without them.
    keys = sa.table(
        "idempotency_keys", sa.column("state", sa.String()), sa.column("response_body", sa.JSON())
    )
    op.execute(sa.update(keys).where(keys.c.state == "done").values(response_body=sa.null()))

    op.create_table(
        "released_slugs",
        sa.Column("slug_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("released_at", kaleno.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("held_until", kaleno.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_released_slugs_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("slug_hash", name=op.f("pk_released_slugs")),
    )
    with op.batch_alter_table("released_slugs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_released_slugs_held_until"), ["held_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("released_slugs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_released_slugs_held_until"))
    op.drop_table("released_slugs")
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_email_key"))
        batch_op.drop_column("email_key")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_customer_email_key"))
        batch_op.drop_column("customer_email_key")
