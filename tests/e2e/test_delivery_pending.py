"""A letter its channel cannot take yet: the firm sees delivery pending (投递中) in the API and
on the page, and its reply deadline and second requests (催函) run all the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp import web

from hub.cli.seeding import verified_responder
from hub.domain.commands import SendSecondRequests
from hub.infra.clocks import FrozenClock
from tests.conftest import free_port, unique
from tests.e2e.conftest import Hub, make_firm, new_uscc, running_hub
from tests.e2e.test_letters import RecordingLetterMaker, submit_authorised, wait_status
from tests.web.conftest import signed_in

SECRET = "push-secret-for-tests"


@dataclass
class Endpoint:
    """A bank's push endpoint: 503 while `down`, else a receipt; what it was sent."""

    down: bool = True
    port: int = field(default_factory=free_port)
    taken: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    async def letters(self, request: web.Request) -> web.Response:
        item = await request.json()
        if self.down:
            self.refused += 1
            return web.json_response({"title": "down"}, status=503)
        self.taken.append(item)
        return web.json_response({"receipt_id": f"R-{item['id']}"}, status=202)


# Monday 28 September 2026, inside the calendar's known years with its deadlines too.
DISPATCHED = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DISPATCHED)


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, clock: FrozenClock
              ) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path, letter_maker=RecordingLetterMaker(), clock=clock,
                           bank_push_secret=SECRET,
                           # Retries go on for a year: the frozen clock is weeks behind time.time.
                           bank_push_retry_hours=24 * 365.0,
                           scheduler_interval_seconds=3600) as h:
        yield h


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    e = Endpoint()
    app = web.Application()
    app.router.add_post("/letters", e.letters)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", e.port).start()
    try:
        yield e
    finally:
        await runner.cleanup()


async def test_a_letter_the_bank_cannot_take_shows_delivery_pending_and_still_falls_due(
        hub: Hub, clock: FrozenClock, endpoint: Endpoint) -> None:
    uscc = new_uscc("310115")
    await verified_responder(hub.container, kind="bank", name="中国示范银行上海分行", uscc=uscc,
                             channel="bank_api_push",
                             endpoint=f"http://127.0.0.1:{endpoint.port}/letters")
    firm = await make_firm(hub)
    body = firm.letter("bank_format1", scope=unique("scope"))
    body["letter"]["responder"]["uscc"] = uscc
    cid = (await submit_authorised(firm, body))["id"]

    async with hub.client(firm.key) as http:
        for _ in range(600):
            c = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
            if c.get("delivery"):
                break
            await asyncio.sleep(0.05)
    assert c["status"] == "dispatched" and c["delivery"]["state"] == "pending", c
    assert c["delivery"]["label"].startswith("投递中") and "503" in c["delivery"]["reason"]
    calendar = hub.container.calendar
    today = clock.today()
    assert c["reply_due"] == calendar.add_working_days(today, 10).isoformat()

    async with signed_in(hub, firm.org_id) as browser:
        resp, page = await browser.get(f"/web/confirmations/{cid}")
        assert resp.status == 200 and "投递中" in page and "503" in page

    # The reply falls due while the bank is still down: the second request goes out.
    due = date.fromisoformat(c["reply_due"])
    clock.current = datetime.combine(calendar.add_working_days(due, 1),
                                     datetime.min.time(), UTC).replace(hour=2)
    assert list(await hub.container.bus.handle(SendSecondRequests())) == [cid]
    async with hub.client(firm.key) as http:
        c = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
    assert c["overdue"] is True and c["second_requests"] == 1

    # The bank comes back: the letter is delivered, once, and no longer pending.
    endpoint.down = False
    delivered = await wait_status(firm, cid, "delivered", within=60)
    assert delivered["status"] == "delivered" and delivered["delivery"] is None
    assert endpoint.refused >= 1
    assert await hub.container.parking_store().list(limit=10) == []
