"""Delivery state: a dispatched letter whose channel has not taken it yet (pending, parked).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("confirmations", sa.Column("delivery_state", sa.String(16), nullable=True))
    op.add_column("confirmations", sa.Column("delivery_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmations") as batch:
        batch.drop_column("delivery_reason")
        batch.drop_column("delivery_state")
