"""The hash-chained event log: it verifies after many (concurrent) commits, and tampering shows."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine, migrate, uow_factory, verify_chain
from hub.db.eventlog import entry_hash, seal
from hub.db.tables import event_log
from hub.domain import events
from hub.infra.clocks import FrozenClock

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def org_created(i: int) -> events.OrganisationCreated:
    return events.OrganisationCreated(
        at=T0 + timedelta(seconds=i), actor="cli", org_id=str(uuid.uuid4()), kind="company",
        org_name=f"公司{i}", uscc="91310000MA1FL8TQ0X",
    )


async def commit_events(engine: AsyncEngine, n: int, start: int = 0, *,
                        sealed: bool = True) -> None:
    """Commit n events; then seal them, as the scheduler's sealer does a moment later."""
    async with uow_factory(engine, FrozenClock(T0))() as uow:
        for i in range(start, start + n):
            uow.record(org_created(i))
        await uow.commit()
    if sealed:
        await seal(engine)


async def tamper(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_empty_log_verifies(engine: AsyncEngine) -> None:
    assert (await verify_chain(engine)).ok


async def test_chain_verifies_after_many_commits(engine: AsyncEngine) -> None:
    for i in range(40):
        await commit_events(engine, 1 + i % 3, start=i * 10)

    report = await verify_chain(engine)

    assert report.ok and report.problem is None
    assert report.entries == sum(1 + i % 3 for i in range(40))


async def test_concurrent_commits_never_fork_the_chain(engine: AsyncEngine) -> None:
    async def writer(w: int) -> None:
        for i in range(10):
            await commit_events(engine, 2, start=w * 1000 + i * 10)

    await asyncio.gather(*(writer(w) for w in range(6)))

    report = await verify_chain(engine)
    assert report.ok, report.problem
    assert report.entries == 6 * 10 * 2
    async with engine.connect() as conn:
        distinct_links = (
            await conn.execute(select(func.count(func.distinct(event_log.c.prev_hash))))
        ).scalar_one()
    assert distinct_links == report.entries  # no two entries claim the same predecessor


async def test_event_data_of_every_json_shape_verifies(engine: AsyncEngine) -> None:
    odd = events.StatusChanged(
        at=T0, actor="审计员", confirmation_id="c", firm_org_id="f", from_status="draft",
        to_status="cancelled", reason="金额 1e16 ≠ 10000000000000000.0 \\ \" 'quoted'",
    )
    async with uow_factory(engine, FrozenClock(T0))() as uow:
        uow.record(odd)
        uow.record(org_created(1))
        await uow.commit()
    await seal(engine)
    big = json.dumps({"n": 1e16, "x": 0.1, "i": 2**60, "nested": [{"b": True, "z": None}]})
    cast = "CAST(:d AS JSONB)" if engine.dialect.name == "postgresql" else ":d"
    async with engine.begin() as conn:  # as if an event had carried these values
        row = (await conn.execute(select(event_log).where(event_log.c.seq == 2))).one()
        entry = {**row._mapping, "data": json.loads(big)}
        await conn.execute(
            text(f"UPDATE event_log SET data = {cast}, hash = :h WHERE seq = 2"),
            {"d": big, "h": entry_hash(entry)},
        )

    assert (await verify_chain(engine)).ok


async def test_an_edited_entry_is_reported_by_its_seq(engine: AsyncEngine) -> None:
    await commit_events(engine, 12)
    forged = json.dumps({"org_name": "改过的名字"}, ensure_ascii=False)
    cast = "CAST(:d AS JSONB)" if engine.dialect.name == "postgresql" else ":d"

    await tamper(engine, f"UPDATE event_log SET data = {cast} WHERE seq = 7", d=forged)

    report = await verify_chain(engine)
    assert not report.ok
    assert report.first_bad_seq == 7
    assert report.entries == 6
    assert report.problem is not None and "seq=7" in report.problem
    assert "altered" in report.problem


async def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(engine: AsyncEngine) -> None:
    await commit_events(engine, 5)
    async with engine.connect() as conn:
        row = (await conn.execute(select(event_log).where(event_log.c.seq == 3))).one()
    entry = dict(row._mapping)
    entry["actor"] = "someone-else"
    await tamper(
        engine, "UPDATE event_log SET actor = :a, hash = :h WHERE seq = 3",
        a="someone-else", h=entry_hash(entry),
    )

    report = await verify_chain(engine)
    assert not report.ok and report.first_bad_seq == 4
    assert report.problem is not None and "does not link" in report.problem


async def test_a_deleted_entry_is_reported_as_a_gap(engine: AsyncEngine) -> None:
    await commit_events(engine, 6)

    await tamper(engine, "DELETE FROM event_log WHERE seq = 4")

    report = await verify_chain(engine)
    assert not report.ok and report.first_bad_seq == 4
    assert report.problem is not None and "missing" in report.problem


async def test_verifying_reads_in_batches(engine: AsyncEngine, monkeypatch) -> None:
    import hub.db.eventlog as eventlog

    monkeypatch.setattr(eventlog, "VERIFY_BATCH", 4)
    await commit_events(engine, 11)
    assert (await verify_chain(engine)).entries == 11

    await tamper(engine, "DELETE FROM event_log WHERE seq = 9")
    report = await verify_chain(engine)
    assert report.first_bad_seq == 9


async def test_writers_and_several_sealers_at_once_make_one_chain(db_url: str) -> None:
    await migrate(db_url)
    engine = create_engine(db_url)
    try:
        done = asyncio.Event()

        async def sealer() -> None:  # as if several relay processes were running
            while not done.is_set():
                await seal(engine)
                await asyncio.sleep(0.001)

        async def writer(w: int) -> None:
            for i in range(8):
                await commit_events(engine, 1 + i % 2, start=w * 1000 + i * 10, sealed=False)

        sealers = [asyncio.create_task(sealer()) for _ in range(3)]
        await asyncio.gather(*(writer(w) for w in range(5)))
        done.set()
        await asyncio.gather(*sealers)

        report = await verify_chain(engine)
        assert report.ok, report.problem
        assert report.entries == 5 * (4 * 1 + 4 * 2)
        async with engine.connect() as conn:
            positions = (await conn.execute(
                select(event_log.c.chain_pos).order_by(event_log.c.chain_pos))).scalars().all()
        assert positions == list(range(1, report.entries + 1))
    finally:
        await engine.dispose()


async def test_an_entry_has_its_hash_once_sealed(engine: AsyncEngine) -> None:
    await commit_events(engine, 2, sealed=False)
    async with engine.connect() as conn:
        before = (await conn.execute(select(event_log.c.hash))).scalars().all()

    assert await seal(engine) == 2
    assert await seal(engine) == 0  # nothing left: sealing again changes nothing

    async with engine.connect() as conn:
        after = (await conn.execute(select(event_log.c.hash))).scalars().all()
    assert before == [None, None]
    assert all(h is not None and len(h) == 64 for h in after)


async def test_a_log_chained_before_0004_still_verifies_and_grows(db_url: str) -> None:
    await migrate(db_url, "0003")
    engine = create_engine(db_url)
    try:
        prev = "0" * 64
        async with engine.begin() as conn:  # entries as revision 0003 wrote them
            for seq in (1, 2, 3):
                entry = {
                    "seq": seq, "entry_id": str(uuid.uuid4()),
                    "occurred_at": (T0 + timedelta(seconds=seq)).isoformat(),
                    "aggregate_type": "organisation", "aggregate_id": f"o{seq}",
                    "event_type": "organisation_created", "actor": "cli",
                    "data": {"n": seq, "名称": "公司"}, "prev_hash": prev,
                }
                entry["hash"] = prev = entry_hash(entry)
                await conn.execute(event_log.insert().values(
                    {k: v for k, v in entry.items() if k != "chain_pos"}
                    | {"occurred_at": T0 + timedelta(seconds=seq), "recorded_at": T0}))
    finally:
        await engine.dispose()

    await migrate(db_url)
    engine = create_engine(db_url)
    try:
        assert (await verify_chain(engine)).entries == 3
        await commit_events(engine, 2)
        report = await verify_chain(engine)
        assert report.ok and report.entries == 5
        await tamper(engine, "UPDATE event_log SET actor = 'x' WHERE seq = 2")
        assert (await verify_chain(engine)).first_bad_seq == 2
    finally:
        await engine.dispose()
