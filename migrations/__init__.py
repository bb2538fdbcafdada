"""Alembic migrations of the hub's database: one history for PostgreSQL and SQLite."""
