"""Control sheet: the auditor's alternative procedures noted per confirmation.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


UTC_TS = sa.DateTime(timezone=True)
ID = sa.String(36)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alternative_procedures",
        sa.Column("seq", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("noted_by", sa.String(200), nullable=False),
        sa.Column("noted_at", UTC_TS, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_alternative_procedures"),
        sa.UniqueConstraint("id", name="uq_alternative_procedures_id"),
        sa.ForeignKeyConstraint(["confirmation_id"], ["confirmations.id"],
                                name="fk_alternative_procedures_confirmation_id_confirmations"),
        sa.UniqueConstraint("confirmation_id", "idempotency_key",
                            name="uq_alternative_procedures_confirmation_id_idempotency_key"),
    )
    op.create_index("ix_alternative_procedures_confirmation_id", "alternative_procedures",
                    ["confirmation_id"])


def downgrade() -> None:
    op.drop_index("ix_alternative_procedures_confirmation_id",
                  table_name="alternative_procedures")
    op.drop_table("alternative_procedures")
