"""Validation reports shared between processes: a signed document is validated once.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "validation_reports",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("valid_until", UTC_TS, nullable=True),
        sa.Column("made_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_validation_reports"),
    )
    op.create_index("ix_validation_reports_valid_until", "validation_reports", ["valid_until"])


def downgrade() -> None:
    op.drop_index("ix_validation_reports_valid_until", table_name="validation_reports")
    op.drop_table("validation_reports")
