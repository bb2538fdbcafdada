"""Dispatch, delivery and replies: delivery dates, replies kept as evidence, their exceptions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = sa.String(36)
MONEY = sa.Numeric(24, 6).with_variant(sa.String(40), "sqlite")


def upgrade() -> None:
    # Nullable columns without constraints: SQLite adds them in place.
    op.add_column("confirmations", sa.Column("dispatched_at", UTC_TS, nullable=True))
    op.add_column("confirmations", sa.Column("delivered_at", UTC_TS, nullable=True))
    op.add_column("confirmations", sa.Column("return_due", sa.Date(), nullable=True))
    op.add_column("confirmations", sa.Column("exception_count", sa.Integer(), nullable=True))
    op.create_table(
        "replies",
        sa.Column("id", ID, nullable=False),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", JSON_DOC, nullable=True),
        sa.Column("received_at", UTC_TS, nullable=False),
        sa.Column("received_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signer", sa.Text(), nullable=True),
        sa.Column("signer_sha256", sa.String(64), nullable=True),
        sa.Column("checked_at", UTC_TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_replies"),
        sa.ForeignKeyConstraint(["confirmation_id"], ["confirmations.id"],
                                name="fk_replies_confirmation_id_confirmations"),
        sa.UniqueConstraint("confirmation_id", "sha256",
                            name="uq_replies_confirmation_id_sha256"),
    )
    op.create_table(
        "reply_exceptions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("reply_id", ID, nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("book_value", JSON_DOC, nullable=True),
        sa.Column("confirmed_value", JSON_DOC, nullable=True),
        sa.Column("difference", MONEY, nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reply_exceptions"),
        sa.ForeignKeyConstraint(["confirmation_id"], ["confirmations.id"],
                                name="fk_reply_exceptions_confirmation_id_confirmations"),
        sa.ForeignKeyConstraint(["reply_id"], ["replies.id"],
                                name="fk_reply_exceptions_reply_id_replies"),
    )
    op.create_index("ix_reply_exceptions_confirmation_id", "reply_exceptions",
                    ["confirmation_id"])


def downgrade() -> None:
    op.drop_table("reply_exceptions")
    op.drop_table("replies")
    with op.batch_alter_table("confirmations") as batch:
        for column in ("exception_count", "return_due", "delivered_at", "dispatched_at"):
            batch.drop_column(column)
