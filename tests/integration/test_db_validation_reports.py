"""Validation reports kept in the database: what one process put, another gets back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.db import create_engine, migrate
from hub.db.validation_reports import SqlValidationReports
from hub.infra.clocks import SystemClock


async def test_a_report_put_by_one_process_is_read_by_another(db_url: str) -> None:
    await migrate(db_url)
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        writer, reader = (SqlValidationReports(e, SystemClock()) for e in engines)
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
        assert await reader.get("k" * 64) is None

        await writer.put("k" * 64, '{"first": 1}', until)
        await writer.put("k" * 64, '{"second": "第二"}', None)  # replaces, never adds
        await writer.put("j" * 64, "{}", until)

        assert await reader.get("k" * 64) == ('{"second": "第二"}', None)
        assert await reader.get("j" * 64) == ("{}", until)
    finally:
        for e in engines:
            await e.dispose()
