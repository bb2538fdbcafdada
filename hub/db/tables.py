"""The database schema as SQLAlchemy Core tables; migrations/versions must match it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.db.types import JsonDocument, Money, UTCDateTime

# Named constraints, so migrations can refer to them and errors can be recognised by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL; INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

ID = 36  # a UUID in text form
TEXT = 500  # common.json#/$defs/non_empty_text: names, references (tests/unit/test_columns.py)

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(TEXT), nullable=False),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),  # the public key id, the part before the secret
    Column("org_id", String(ID), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("last_used_at", UTCDateTime(), nullable=True),
)

engagements = Table(
    "engagements",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("firm_org_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("client_org_id", String(ID), ForeignKey("organisations.id"), nullable=False,
           index=True),
    Column("name", String(TEXT), nullable=False),
    Column("client_name", String(TEXT), nullable=True),  # as this firm typed it; NULL: the org's
    Column("reference", String(TEXT), nullable=True),
    Column("period_start", Date(), nullable=False),
    Column("period_end", Date(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("second_request_days", JsonDocument, nullable=True),  # NULL: [1]
    Column("responder_overrides", JsonDocument, nullable=True),
    # Serves both "a firm's engagements" and their cursor pagination.
    Index(None, "firm_org_id", "created_at", "id"),
)

confirmations = Table(
    "confirmations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("firm_org_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("engagement_id", String(ID), ForeignKey("engagements.id"), nullable=False,
           index=True),
    Column("client_org_id", String(ID), ForeignKey("organisations.id"), nullable=False,
           index=True),
    Column("responder_org_id", String(ID), ForeignKey("organisations.id"), nullable=False,
           index=True),
    Column("letter_type", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("letter_number", String(64), nullable=False),
    Column("as_of_date", Date(), nullable=False),
    Column("scope", Text(), nullable=False),
    Column("letter", JsonDocument, nullable=False),
    Column("business_key", String(64), nullable=False),
    # business_key while the letter is active (model.ACTIVE), NULL afterwards: a UNIQUE column
    # allows many NULLs on both dialects, so this refuses a second identical active letter
    # without partial indexes.
    Column("active_business_key", String(64), nullable=True, unique=True),
    Column("status", String(32), nullable=False, index=True),
    Column("status_reason", Text(), nullable=True),
    Column("authorisation_due", Date(), nullable=True),
    Column("reply_due", Date(), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("request_hash", String(128), nullable=True),
    Column("parent_id", String(ID), ForeignKey("confirmations.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer(), nullable=False),
    # Who authorised the request and when (授权); the SHA-256 of the signed letter (制函).
    Column("authorised_by", String(200), nullable=True),
    Column("authorised_at", UTCDateTime(), nullable=True),
    Column("letter_sha256", String(64), nullable=True),
    Column("dispatched_at", UTCDateTime(), nullable=True),
    Column("delivered_at", UTCDateTime(), nullable=True),
    Column("return_due", Date(), nullable=True),
    Column("exception_count", Integer(), nullable=True),
    Column("second_requests", Integer(), nullable=True),
    Column("warnings", JsonDocument, nullable=True),
    # A dispatched letter the channel has not taken yet: "pending" (retried) or "parked".
    Column("delivery_state", String(16), nullable=True),
    Column("delivery_reason", Text(), nullable=True),
    UniqueConstraint("firm_org_id", "idempotency_key"),
    UniqueConstraint("firm_org_id", "letter_number"),
    # Cursor pagination of a firm's confirmations, ordered by (created_at, id).
    Index(None, "firm_org_id", "created_at", "id"),
)

confirmation_amounts = Table(
    "confirmation_amounts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False,
           index=True),
    Column("pointer", Text(), nullable=False),
    Column("currency", String(3), nullable=True),
    Column("amount", Money(), nullable=False),
)

event_log = Table(
    "event_log",
    metadata,
    # Numbered by the database as entries are written (a sequence; SQLite's rowid).
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", String(ID), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("data", JsonDocument, nullable=False),
    # Set when the entry is sealed into the chain (hub.db.eventlog.seal), NULL until then:
    # its place in the chain (1, 2, …; a gap means a deletion), the hash of the entry before
    # it and its own hash, which covers its content, its place and prev_hash.
    Column("chain_pos", BigInteger, nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    # history(): one aggregate's entries in order.
    Index(None, "aggregate_id", "seq"),
    Index("ux_event_log_chain_pos", "chain_pos", unique=True),
    # What the sealer looks for.
    Index("ix_event_log_unsealed", "seq", postgresql_where=text("chain_pos IS NULL"),
          sqlite_where=text("chain_pos IS NULL")),
)

responders = Table(
    "responders",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("org_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(TEXT), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("bank_code", String(12), nullable=True),
    Column("parent_id", String(ID), ForeignKey("responders.id"), nullable=True),
    Column("reply_scope", Text(), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("endpoint", String(2048), nullable=True),
    Column("contacts", JsonDocument, nullable=False),
    Column("certificates", JsonDocument, nullable=False),  # [{sha256, subject, not_after, pem}]
    Column("status", String(16), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("verified_at", UTCDateTime(), nullable=True),
    Column("verified_by", String(200), nullable=True),
    # One live entry per USCC: letters to it must have exactly one place to go.
    Index("ux_responders_live_uscc", "uscc", unique=True,
          postgresql_where=text("status <> 'retired'"), sqlite_where=text("status <> 'retired'")),
    Index(None, "bank_code"),
)

replies = Table(
    "replies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False),
    Column("sha256", String(64), nullable=False),  # of the signed PDF, its key in the blobs
    Column("data", JsonDocument, nullable=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text(), nullable=True),
    Column("signer", Text(), nullable=True),
    Column("signer_sha256", String(64), nullable=True),
    Column("checked_at", UTCDateTime(), nullable=True),
    Column("checks", JsonDocument, nullable=True),  # hub.domain.replies.CHECKS → bool
    # The same reply uploaded twice is one reply.
    UniqueConstraint("confirmation_id", "sha256"),
)

reply_exceptions = Table(
    "reply_exceptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False,
           index=True),
    Column("reply_id", String(ID), ForeignKey("replies.id"), nullable=False),
    Column("item", String(64), nullable=False),
    Column("row", Integer(), nullable=True),
    Column("field", String(128), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("book_value", JsonDocument, nullable=True),
    Column("confirmed_value", JsonDocument, nullable=True),
    Column("difference", Money(), nullable=True),
    Column("explanation", Text(), nullable=False),
)

# Control sheet (hub/reports): the auditor's alternative procedures (替代程序), append-only.
alternative_procedures = Table(
    "alternative_procedures",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),  # the order they were noted
    Column("id", String(ID), nullable=False, unique=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False,
           index=True),
    Column("text", Text(), nullable=False),
    Column("conclusion", Text(), nullable=True),
    Column("noted_by", String(200), nullable=False),
    Column("noted_at", UTCDateTime(), nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    # A retried POST with its Idempotency-Key is the same note.
    UniqueConstraint("confirmation_id", "idempotency_key"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False),
    # "letter" now; replies, workpapers and evidence bundles later.
    Column("kind", String(32), nullable=False),
    # The blob store's key: the SHA-256 of the bytes.
    Column("sha256", String(64), nullable=False),
    Column("size", Integer(), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("confirmation_id", "kind"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(200), nullable=False),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(255), nullable=False),
    Column("envelope", JsonDocument, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime(), nullable=True),
    Column("leased_until", UTCDateTime(), nullable=True),
    Column("lease_holder", String(200), nullable=True),
    Column("publish_attempts", Integer(), nullable=False, server_default="0"),
    # One row per (message, destination). An event goes to hub.events once; replaying a
    # parked copy sends the same message_id to one queue through hub.requeue, so it
    # is a second destination of the same message, and a second replay re-arms that row.
    UniqueConstraint("message_id", "exchange", "routing_key"),
)
# The relay's query, "unpublished rows in id order", reads only this small partial index.
Index(
    "ix_outbox_unpublished",
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("consumer", "message_id"),
)

parked_messages = Table(
    "parked_messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(200), nullable=False, index=True),
    Column("queue", String(200), nullable=False),
    Column("routing_key", String(255), nullable=False),
    Column("envelope", JsonDocument, nullable=False),
    Column("reason", Text(), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("parked_at", UTCDateTime(), nullable=False),
    Column("replayed_at", UTCDateTime(), nullable=True),
)

# Firm web UI (hub/web): users signing in with a password, and their sessions.
web_users = Table(
    "web_users",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("org_id", String(ID), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("email", String(255), nullable=False, unique=True),  # the login, lower case
    Column("display_name", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(255), nullable=False),  # argon2id, PHC string
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
    Column("failed_attempts", Integer(), nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime(), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's token, never the token
    Column("user_id", String(ID), ForeignKey("web_users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("user_agent", String(255), nullable=False),
)

# Audit-software webhooks (adapters/audit_software): one per firm ("firm") and per engagement.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("firm_org_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("engagement_id", String(ID), ForeignKey("engagements.id"), nullable=True),
    # "firm", or the engagement's id: NOT NULL, so the unique constraint also holds the firm's.
    Column("scope", String(ID), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("sealed_secret", Text(), nullable=False),  # Fernet token; the key is in <data>/secrets
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
    UniqueConstraint("firm_org_id", "scope"),
)

# The company portal's one-time links (adapters/portal): only the token's hash is kept, and
# the verification code's and the session's, never the secrets themselves.
portal_links = Table(
    "portal_links",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("confirmation_id", String(ID), ForeignKey("confirmations.id"), nullable=False,
           index=True),
    # The dispatch (or second request) message it was made for: a retry finds it again.
    Column("message_id", String(200), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("contact_name", String(255), nullable=False),
    Column("email", String(320), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("code_hash", String(64), nullable=True),
    Column("code_sent_at", UTCDateTime(), nullable=True),
    Column("code_expires_at", UTCDateTime(), nullable=True),
    Column("code_sends", Integer(), nullable=False),
    Column("wrong_codes", Integer(), nullable=False),
    Column("verified_at", UTCDateTime(), nullable=True),
    Column("session_hash", String(64), nullable=True),
    Column("session_expires_at", UTCDateTime(), nullable=True),
    Column("used_at", UTCDateTime(), nullable=True),
    Column("reply_id", String(ID), nullable=True),
)

# Signature validation reports shared by every process (signing.validate_shared): by the
# SHA-256 of the document and of the trust settings, reusable until valid_until (NULL: a report
# at a fixed time, for good). A cache: any row may be deleted at any time.
validation_reports = Table(
    "validation_reports",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("report", Text(), nullable=False),
    Column("valid_until", UTCDateTime(), nullable=True, index=True),
    Column("made_at", UTCDateTime(), nullable=False),
)
