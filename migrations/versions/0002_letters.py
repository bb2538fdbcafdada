"""Letters: who authorised a confirmation and when, the signed letter's SHA-256, documents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Written by hand and self-contained, like 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = sa.String(36)


def upgrade() -> None:
    # Nullable columns without constraints: SQLite adds them in place, no table rebuild.
    op.add_column("confirmations", sa.Column("authorised_by", sa.String(200), nullable=True))
    op.add_column("confirmations", sa.Column("authorised_at", UTC_TS, nullable=True))
    op.add_column("confirmations", sa.Column("letter_sha256", sa.String(64), nullable=True))
    op.create_table(
        "documents",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.ForeignKeyConstraint(
            ["confirmation_id"], ["confirmations.id"],
            name="fk_documents_confirmation_id_confirmations",
        ),
        sa.UniqueConstraint("confirmation_id", "kind", name="uq_documents_confirmation_id_kind"),
    )


def downgrade() -> None:
    op.drop_table("documents")
    with op.batch_alter_table("confirmations") as batch:
        batch.drop_column("letter_sha256")
        batch.drop_column("authorised_at")
        batch.drop_column("authorised_by")
