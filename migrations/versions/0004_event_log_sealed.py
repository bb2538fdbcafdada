"""Event log: entries are written unchained and sealed into the hash chain after commit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Appending under a lock held until COMMIT serialised every write transaction of every process
behind one another's commit (the fsync included). Now the database numbers entries as they are
written (seq from a sequence; SQLite's rowid) and a sealer chains committed ones afterwards,
giving each its place in the chain (chain_pos), prev_hash and hash. Entries already chained
keep their hashes: their chain position is their seq, which is what their hash covers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSEALED = sa.text("chain_pos IS NULL")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS hub_event_log_head(bigint)")
        op.execute("CREATE SEQUENCE event_log_seq_seq OWNED BY event_log.seq")
        op.execute("SELECT setval('event_log_seq_seq', COALESCE(max(seq), 0) + 1, false)"
                   " FROM event_log")
        op.execute("ALTER TABLE event_log"
                   " ALTER COLUMN seq SET DEFAULT nextval('event_log_seq_seq')")
    # SQLite: seq is INTEGER PRIMARY KEY, so the rowid numbers new rows already.
    with op.batch_alter_table("event_log") as batch:
        batch.add_column(sa.Column("chain_pos", sa.BigInteger(), nullable=True))
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=True)
    op.execute("UPDATE event_log SET chain_pos = seq")
    op.create_index("ux_event_log_chain_pos", "event_log", ["chain_pos"], unique=True)
    op.create_index("ix_event_log_unsealed", "event_log", ["seq"], postgresql_where=UNSEALED,
                    sqlite_where=UNSEALED)


def downgrade() -> None:
    # Entries sealed since the upgrade carry hashes over chain_pos, not seq: the old layout
    # cannot hold them without breaking the chain, so there is no going back.
    raise NotImplementedError("0004 cannot be downgraded without breaking the event log's chain")
