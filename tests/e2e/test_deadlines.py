"""Deadlines on the PRC working-day calendar: a reply overdue after 10 working days gets its
second request (催函) once, on the firm's schedule, through the letter's channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from hub.domain.commands import SendSecondRequests
from hub.infra.clocks import FrozenClock
from tests.e2e.conftest import Hub, frozen_hub, make_firm
from tests.e2e.test_bank_exchange import Bank, dispatched_letter

# Monday 28 September 2026, before the National Day and Mid-Autumn holidays.
DELIVERED = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DELIVERED)


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with frozen_hub(stack, tmp_path, clock) as h:
        yield h


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


async def test_an_overdue_reply_gets_its_second_requests_once_each(
        hub: Hub, clock: FrozenClock) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    async with firm.hub.client(firm.key) as http:  # this firm asks twice: 1 and 3 days late
        engagement = await (await http.post("/api/v1/engagements", json={
            "name": "催函测试", "client": {"name": "北京堃喆昇科技有限公司",
                                          "uscc": "91110108MA01C7XK3X"},
            "period_start": "2025-01-01", "period_end": "2025-12-31",
            "second_request_days": [1, 3]})).json()
    firm.engagement_id = engagement["id"]
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        got = await (await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})).json()

    calendar = hub.container.calendar
    due = date.fromisoformat(got["reply_due"])
    assert due == calendar.add_working_days(DELIVERED.date(), 10)
    assert (due - DELIVERED.date()).days > 14  # the holidays in between do not count

    async def send_on(day: date) -> list[str]:
        clock.current = at(day)
        return list(await hub.container.bus.handle(SendSecondRequests()))

    assert await send_on(due) == []  # due today is not overdue yet
    first = calendar.add_working_days(due, 1)
    assert await send_on(first) == [item["id"]]
    assert await send_on(first) == []  # once
    assert await send_on(calendar.add_working_days(due, 2)) == []
    assert await send_on(calendar.add_working_days(due, 3)) == [item["id"]]
    assert await send_on(calendar.add_working_days(due, 30)) == []  # the schedule is done

    async with firm.hub.client(firm.key) as http:
        c = await (await http.get(f"/api/v1/confirmations/{item['id']}")).json()
        history = (await (await http.get(
            f"/api/v1/confirmations/{item['id']}/history")).json())["items"]
    async with bank.client() as http:
        seen = await (await http.get(f"/api/v1/inbox/{item['id']}")).json()
    assert c["overdue"] is True and c["second_requests"] == 2
    assert seen["second_requests"] == 2
    assert [h["event_type"] for h in history].count("letter.second_request") == 2


async def test_a_return_after_three_working_days_is_taken_but_flagged_late(
        hub: Hub, clock: FrozenClock) -> None:
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        got = await (await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})).json()
        return_due = date.fromisoformat(got["return_due"])
        assert return_due == hub.container.calendar.add_working_days(DELIVERED.date(), 3)
        clock.current = at(hub.container.calendar.add_working_days(return_due, 1))
        resp = await http.post(f"/api/v1/inbox/{item['id']}/return", json={
            "reason_code": "seal_mismatch", "reason": "预留印鉴不符"})
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "returned" and body["late"] is True
    assert "逾期退函" in body["status_reason"]


async def test_a_reply_due_in_the_next_year_is_computed_over_new_year(
        hub: Hub, clock: FrozenClock) -> None:
    # Received Monday 28 December 2026: the deadlines run into 2027, which chinesecalendar 1.11.0
    # has no official schedule for; the hub answers with the provisional one instead of a 503.
    received = date(2026, 12, 28)
    clock.current = at(received)
    firm, bank = await make_firm(hub), await Bank.register(hub)
    item = await dispatched_letter(firm, bank)
    async with bank.client() as http:
        resp = await http.post(f"/api/v1/inbox/{item['id']}/receipt", json={})
        got = await resp.json()
    assert resp.status == 200, got
    calendar = hub.container.calendar
    due = date.fromisoformat(got["reply_due"])
    assert due == calendar.add_working_days(received, 10) and due.year == 2027
    assert date.fromisoformat(got["return_due"]) == calendar.add_working_days(received, 3)
    if calendar.is_provisional(2027):  # New Year's Day, Friday 1 January, is off
        assert due == date(2027, 1, 12)
        assert date.fromisoformat(got["return_due"]) == date(2026, 12, 31)
