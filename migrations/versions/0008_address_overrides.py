"""Address overrides: an engagement's other addresses for registered responders, and the
warnings letters to them carry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("engagements", sa.Column("responder_overrides", JSON_DOC, nullable=True))
    op.add_column("confirmations", sa.Column("warnings", JSON_DOC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmations") as batch:
        batch.drop_column("warnings")
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("responder_overrides")
