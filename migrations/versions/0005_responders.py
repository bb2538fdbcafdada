"""The responder registry (函证地址登记).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.String(36)
LIVE = sa.text("status <> 'retired'")


def upgrade() -> None:
    op.create_table(
        "responders",
        sa.Column("id", ID, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("bank_code", sa.String(12), nullable=True),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("reply_scope", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("endpoint", sa.String(2048), nullable=True),
        sa.Column("contacts", JSON_DOC, nullable=False),
        sa.Column("certificates", JSON_DOC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("verified_at", UTC_TS, nullable=True),
        sa.Column("verified_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_responders"),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"],
                                name="fk_responders_org_id_organisations"),
        sa.ForeignKeyConstraint(["parent_id"], ["responders.id"],
                                name="fk_responders_parent_id_responders"),
    )
    op.create_index("ux_responders_live_uscc", "responders", ["uscc"], unique=True,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index("ix_responders_bank_code", "responders", ["bank_code"])


def downgrade() -> None:
    op.drop_table("responders")
