"""The confirmations table in the database: filters, search, overdue first, pages, and only
the caller's firm's letters (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.domain.commands import CreateEngagement
from hub.domain.errors import NotFound
from hub.domain.model import Caller, Confirmation, LetterType, Mode, OrgKind, Role, Status
from hub.web.views import Filters, pages_of, table
from tests.e2e.conftest import new_uscc
from tests.web.conftest import Db

TODAY = date(2026, 11, 30)


async def _firm(db: Db, name: str) -> tuple[Caller, str]:
    org = await db.org("firm", name)
    caller = Caller(org_id=org, org_kind=OrgKind.FIRM, role=Role.AUDITOR, key_id=f"k-{org}")
    e = await db.container.bus.handle(CreateEngagement(
        caller=caller, name="2025年度审计", client_name="北京示例科技有限公司",
        client_uscc=new_uscc(), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)))
    return caller, str(e.id)


async def _letters(db: Db, caller: Caller, engagement: str, client: str,
                   specs: list[tuple[int, Status, date | None, int | None, str]]) -> None:
    responder = await db.org("bank", "中国示范银行")
    async with db.container.uow_factory() as uow:
        for n, status, due, exceptions, name in specs:
            await uow.confirmations.add(Confirmation(
                id=f"{engagement[:8]}-c{n}", firm_org_id=caller.org_id,
                engagement_id=engagement, client_org_id=client, responder_org_id=responder,
                letter_type=LetterType.BANK_FORMAT1, mode=Mode.POSITIVE,
                letter_number=f"LN-{n:03d}", as_of_date=date(2025, 12, 31),
                letter={"responder": {"name": name}}, business_key=f"{engagement}-{n}",
                created_at=datetime(2026, 11, 1, tzinfo=UTC), status=status, reply_due=due,
                exception_count=exceptions))
        await uow.commit()


async def _client_of(db: Db, caller: Caller, engagement: str) -> str:
    return (await db.container.queries.engagement(caller, engagement)).client_org_id


SPECS = [
    (1, Status.DELIVERED, date(2026, 12, 10), None, "中国示范银行"),
    (2, Status.DELIVERED, date(2026, 11, 27), None, "中国示范银行"),  # overdue
    (3, Status.VERIFIED, None, 2, "北京示例贸易有限公司"),
    (4, Status.VERIFIED, None, 0, "中国示范银行"),
    (5, Status.REPLIED, date(2026, 11, 1), None, "100%_银行"),  # answered: not overdue
]


async def _numbers(db: Db, caller: Caller, engagement: str, query: dict[str, str],
                   size: int = 50) -> list[str]:
    flt = Filters.from_query(query)
    found = await db.container.queries.letter_table(
        caller, flt.letters(engagement, TODAY, flt.page, size))
    return [r.letter_number for r in table(found, flt.page, size, TODAY).rows]


async def test_each_filter_and_the_search_narrow_the_table(db: Db) -> None:
    caller, engagement = await _firm(db, "信达会计师事务所")
    await _letters(db, caller, engagement, await _client_of(db, caller, engagement), SPECS)
    everything = ["LN-002", "LN-001", "LN-003", "LN-004", "LN-005"]  # overdue first
    assert await _numbers(db, caller, engagement, {}) == everything
    assert await _numbers(db, caller, engagement, {"overdue": "1"}) == ["LN-002"]
    assert await _numbers(db, caller, engagement, {"exceptions": "1"}) == ["LN-003"]
    assert await _numbers(db, caller, engagement, {"status": "verified"}) == ["LN-003", "LN-004"]
    assert await _numbers(db, caller, engagement, {"q": "示例贸易"}) == ["LN-003"]
    assert await _numbers(db, caller, engagement, {"q": "ln-00"}) == everything
    assert await _numbers(db, caller, engagement, {"q": "LN-004"}) == ["LN-004"]
    # LIKE's wildcards are searched for as themselves
    assert await _numbers(db, caller, engagement, {"q": "100%_"}) == ["LN-005"]
    assert await _numbers(db, caller, engagement, {"q": "_"}) == ["LN-005"]


async def test_pages_counts_and_another_firms_letters(db: Db) -> None:
    caller, engagement = await _firm(db, "信达会计师事务所")
    await _letters(db, caller, engagement, await _client_of(db, caller, engagement), SPECS)
    flt = Filters.from_query({"page": "2", "status": "verified"})
    found = await db.container.queries.letter_table(caller, flt.letters(engagement, TODAY, 2, 1))
    assert (found.total, found.overdue, pages_of(found.total, 1)) == (2, 1, 2)
    assert [r.letter_number for r in found.rows] == ["LN-004"]
    assert Filters.from_query({"q": "x", "exceptions": "1"}).query(3) == {
        "page": "3", "exceptions": "1", "q": "x"}
    assert Filters.from_query({"status": "<b>", "page": "-3", "overdue": "yes"}) == Filters()

    other, _ = await _firm(db, "另一家会计师事务所")
    with pytest.raises(NotFound):
        await db.container.queries.letter_table(other, flt.letters(engagement, TODAY, 1, 50))
