"""Audit-software webhooks: endpoints per firm or engagement and their deliveries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
ID = sa.String(36)


def upgrade() -> None:
    # Deliveries need no table: each is a message (outbox, inbox, parking) and the
    # confirmation's history records its outcome.
    op.create_table(
        "webhooks",
        sa.Column("id", ID, nullable=False),
        sa.Column("firm_org_id", ID, nullable=False),
        sa.Column("engagement_id", ID, nullable=True),
        sa.Column("scope", ID, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.ForeignKeyConstraint(["firm_org_id"], ["organisations.id"],
                                name="fk_webhooks_firm_org_id_organisations"),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"],
                                name="fk_webhooks_engagement_id_engagements"),
        sa.UniqueConstraint("firm_org_id", "scope", name="uq_webhooks_firm_org_id_scope"),
    )


def downgrade() -> None:
    op.drop_table("webhooks")
