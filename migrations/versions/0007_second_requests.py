"""Second requests (催函): each engagement's schedule, each letter's count.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("engagements", sa.Column("second_request_days", JSON_DOC, nullable=True))
    op.add_column("confirmations", sa.Column("second_requests", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmations") as batch:
        batch.drop_column("second_requests")
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("second_request_days")
