"""Initial schema: organisations, keys, engagements, confirmations, event log, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2025-06-01

Written by hand and kept self-contained (no hub.db.types), so later changes to the
application's types cannot change what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types of hub.db.types, as DDL.
UTC_TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(24, 6).with_variant(sa.String(40), "sqlite")
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("uscc", name="uq_organisations_uscc"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("revoked_at", UTC_TS, nullable=True),
        sa.Column("last_used_at", UTC_TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_api_keys_org_id_organisations"
        ),
    )
    op.create_index("ix_api_keys_org_id", "api_keys", ["org_id"])

    op.create_table(
        "engagements",
        sa.Column("id", ID, nullable=False),
        sa.Column("firm_org_id", ID, nullable=False),
        sa.Column("client_org_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("reference", sa.String(255), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_engagements"),
        sa.ForeignKeyConstraint(
            ["firm_org_id"], ["organisations.id"], name="fk_engagements_firm_org_id_organisations"
        ),
        sa.ForeignKeyConstraint(
            ["client_org_id"], ["organisations.id"],
            name="fk_engagements_client_org_id_organisations",
        ),
    )
    op.create_index("ix_engagements_client_org_id", "engagements", ["client_org_id"])
    op.create_index(
        "ix_engagements_firm_org_id_created_at_id", "engagements",
        ["firm_org_id", "created_at", "id"],
    )

    op.create_table(
        "confirmations",
        sa.Column("id", ID, nullable=False),
        sa.Column("firm_org_id", ID, nullable=False),
        sa.Column("engagement_id", ID, nullable=False),
        sa.Column("client_org_id", ID, nullable=False),
        sa.Column("responder_org_id", ID, nullable=False),
        sa.Column("letter_type", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("letter_number", sa.String(64), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("letter", JSON_DOC, nullable=False),
        sa.Column("business_key", sa.String(64), nullable=False),
        sa.Column("active_business_key", sa.String(64), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("authorisation_due", sa.Date(), nullable=True),
        sa.Column("reply_due", sa.Date(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(128), nullable=True),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_confirmations"),
        sa.ForeignKeyConstraint(
            ["firm_org_id"], ["organisations.id"],
            name="fk_confirmations_firm_org_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"],
            name="fk_confirmations_engagement_id_engagements",
        ),
        sa.ForeignKeyConstraint(
            ["client_org_id"], ["organisations.id"],
            name="fk_confirmations_client_org_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["responder_org_id"], ["organisations.id"],
            name="fk_confirmations_responder_org_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["confirmations.id"], name="fk_confirmations_parent_id_confirmations"
        ),
        sa.UniqueConstraint("active_business_key", name="uq_confirmations_active_business_key"),
        sa.UniqueConstraint(
            "firm_org_id", "idempotency_key", name="uq_confirmations_firm_org_id_idempotency_key"
        ),
        sa.UniqueConstraint(
            "firm_org_id", "letter_number", name="uq_confirmations_firm_org_id_letter_number"
        ),
    )
    op.create_index("ix_confirmations_engagement_id", "confirmations", ["engagement_id"])
    op.create_index("ix_confirmations_client_org_id", "confirmations", ["client_org_id"])
    op.create_index("ix_confirmations_responder_org_id", "confirmations", ["responder_org_id"])
    op.create_index("ix_confirmations_status", "confirmations", ["status"])
    op.create_index(
        "ix_confirmations_firm_org_id_created_at_id", "confirmations",
        ["firm_org_id", "created_at", "id"],
    )

    op.create_table(
        "confirmation_amounts",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("pointer", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_confirmation_amounts"),
        sa.ForeignKeyConstraint(
            ["confirmation_id"], ["confirmations.id"],
            name="fk_confirmation_amounts_confirmation_id_confirmations",
        ),
    )
    op.create_index(
        "ix_confirmation_amounts_confirmation_id", "confirmation_amounts", ["confirmation_id"]
    )

    op.create_table(
        "event_log",
        sa.Column("seq", BIG_ID, nullable=False, autoincrement=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("occurred_at", UTC_TS, nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.Column("aggregate_type", sa.String(32), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_event_log"),
    )
    op.create_index("ix_event_log_aggregate_id_seq", "event_log", ["aggregate_id", "seq"])

    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("exchange", sa.String(200), nullable=False),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column("envelope", JSON_DOC, nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("published_at", UTC_TS, nullable=True),
        sa.Column("leased_until", UTC_TS, nullable=True),
        sa.Column("lease_holder", sa.String(200), nullable=True),
        sa.Column("publish_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint(
            "message_id", "exchange", "routing_key",
            name="uq_outbox_message_id_exchange_routing_key",
        ),
    )
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("processed_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name="pk_inbox"),
    )

    op.create_table(
        "parked_messages",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column("envelope", JSON_DOC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parked_at", UTC_TS, nullable=False),
        sa.Column("replayed_at", UTC_TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_parked_messages"),
    )
    op.create_index("ix_parked_messages_message_id", "parked_messages", ["message_id"])


def downgrade() -> None:
    for table in (
        "parked_messages", "inbox", "outbox", "event_log", "confirmation_amounts",
        "confirmations", "engagements", "api_keys", "organisations",
    ):
        op.drop_table(table)
