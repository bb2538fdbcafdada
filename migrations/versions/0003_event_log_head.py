"""PostgreSQL: lock the event log and read its newest entry in one round trip.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

An appender holds the event log's advisory lock until its transaction ends, so every round trip
it makes while holding it is time all other appenders wait. In PL/pgSQL each statement of a
VOLATILE function takes a new snapshot under READ COMMITTED, so the SELECT after the lock sees
the entry the previous holder committed. SQLite needs nothing: it has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION hub_event_log_head(lock_key bigint)
        RETURNS TABLE (seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(lock_key);
            RETURN QUERY SELECT e.seq, e.hash FROM event_log e ORDER BY e.seq DESC LIMIT 1;
        END $$
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION hub_event_log_head(bigint)")
