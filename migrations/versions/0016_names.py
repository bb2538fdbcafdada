"""Names per firm: the audited entity's name as the firm typed it, on the engagement.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("engagements", sa.Column("client_name", sa.String(500), nullable=True))
    # Until now every engagement showed the organisation's (first-come) name: keep that.
    op.execute("UPDATE engagements SET client_name = (SELECT o.name FROM organisations o "
               "WHERE o.id = engagements.client_org_id)")


def downgrade() -> None:
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("client_name")
