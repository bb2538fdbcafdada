"""Names and references as long as the schemas allow (500 characters, was varchar(255)).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = (("organisations", "name", False), ("engagements", "name", False),
           ("engagements", "reference", True), ("responders", "name", False))


def upgrade() -> None:
    for table, column, nullable in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(500), existing_type=sa.String(255),
                               existing_nullable=nullable)


def downgrade() -> None:
    for table, column, nullable in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(255), existing_type=sa.String(500),
                               existing_nullable=nullable)
