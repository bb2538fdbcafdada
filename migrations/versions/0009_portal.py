"""The company reply portal: one-time links, verification codes, portal replies.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_sent_at", UTC_TS, nullable=True),
        sa.Column("code_expires_at", UTC_TS, nullable=True),
        sa.Column("code_sends", sa.Integer(), nullable=False),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("verified_at", UTC_TS, nullable=True),
        sa.Column("session_hash", sa.String(64), nullable=True),
        sa.Column("session_expires_at", UTC_TS, nullable=True),
        sa.Column("used_at", UTC_TS, nullable=True),
        sa.Column("reply_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_links"),
        sa.ForeignKeyConstraint(["confirmation_id"], ["confirmations.id"],
                                name="fk_portal_links_confirmation_id_confirmations"),
        sa.UniqueConstraint("message_id", name="uq_portal_links_message_id"),
        sa.UniqueConstraint("token_hash", name="uq_portal_links_token_hash"),
    )
    op.create_index("ix_portal_links_confirmation_id", "portal_links", ["confirmation_id"])


def downgrade() -> None:
    op.drop_table("portal_links")
