"""A letter cancelled while its PDF is rendered: the job sees the cancel and ends quietly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.domain.model import Confirmation
from tests.e2e.conftest import Hub, make_firm, running_hub
from tests.e2e.test_letters import submit_authorised, tiny_pdf, wait_status


class SlowLetterMaker:
    """Renders only once `release` is set, and says when it has started."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.rendered = 0

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        self.started.set()
        await self.release.wait()
        self.rendered += 1
        return tiny_pdf(f"{confirmation.letter_number} {client_name}")


@pytest.fixture
async def maker() -> SlowLetterMaker:
    return SlowLetterMaker()


@pytest.fixture
async def hub(pg_url: str, amqp_url: str, tmp_path: Any, maker: SlowLetterMaker
              ) -> AsyncIterator[Hub]:
    # PostgreSQL only: on SQLite the job's transaction holds the one write lock while it
    # renders, so a cancel waits until the letter is made and dispatched.
    async with running_hub(pg_url, amqp_url, tmp_path, letter_maker=maker) as h:
        yield h


async def test_a_letter_cancelled_while_it_is_rendered_is_not_made_and_nothing_is_parked(
    hub: Hub, maker: SlowLetterMaker
) -> None:
    firm = await make_firm(hub)
    c = await submit_authorised(firm, firm.letter("bank_format1"))
    await asyncio.wait_for(maker.started.wait(), 60)
    async with hub.client(firm.key) as http:
        resp = await http.post(f"/api/v1/confirmations/{c['id']}/cancel",
                               json={"reason": "改发新函"})
        assert resp.status == 200, await resp.text()
    maker.release.set()
    jobs = next(x for x in hub.runtime.consumers if x.name == "hub.jobs")
    for _ in range(600):
        if maker.rendered and jobs.in_flight == 0:
            break
        await asyncio.sleep(0.05)
    assert jobs.in_flight == 0
    assert await hub.container.parking_store().list(limit=10) == []
    assert jobs.stats.retried == 0 and jobs.stats.parked == 0
    done = await wait_status(firm, c["id"], "cancelled", within=1)
    assert done["status"] == "cancelled"
    async with hub.client(firm.key) as http:
        resp = await http.get(f"/api/v1/confirmations/{c['id']}/letter.pdf")
        assert resp.status == 404  # no letter was made for it
        history = (await (await http.get(f"/api/v1/confirmations/{c['id']}/history")).json())
    assert not [h for h in history["items"] if h["event_type"].startswith("letter.")], history
