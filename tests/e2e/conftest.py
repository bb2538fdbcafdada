"""A running hub (API, relay, worker, scheduler) on each stack, and helpers to talk to it."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

import schemas
from hub.bootstrap import Container, build
from hub.cli.seeding import verified_responder
from hub.db.migrate import migrate
from hub.domain.commands import CreateApiKey, CreateOrganisation
from hub.domain.uscc import make_uscc
from hub.infra.settings import load_settings
from hub.ports import Clock, LetterMaker
from hub.runtime import Runtime
from tests.conftest import unique

LETTER_TYPES = (
    "bank_format1", "bank_format2", "bank_capital", "company_receivable", "company_payable",
)


def new_uscc(region: str = "310000") -> str:
    """A fresh, valid 统一社会信用代码 (91 = enterprise, a six-digit region code)."""
    import random

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return make_uscc("91" + region + "".join(random.choice(alphabet) for _ in range(9)))


@dataclass
class Hub:
    base: str
    container: Container
    runtime: Runtime

    async def org(self, kind: str, name: str | None = None) -> tuple[str, str]:
        uscc = new_uscc()
        org = await self.container.bus.handle(
            CreateOrganisation(kind=kind, name=name or f"{kind} {unique()}", uscc=uscc)
        )
        return org.id, uscc

    async def responder(self, kind: str, name: str) -> tuple[str, str]:
        """A verified registry entry (and its organisation): (org id, uscc)."""
        uscc = new_uscc()
        entry = await verified_responder(self.container, kind=kind, name=name, uscc=uscc)
        return entry.org_id, uscc

    async def key(self, org_id: str, role: str) -> str:
        _, key = await self.container.bus.handle(CreateApiKey(org_id=org_id, role=role))
        return str(key)

    def client(self, key: str | None) -> aiohttp.ClientSession:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return aiohttp.ClientSession(self.base, headers=headers)


@dataclass
class Firm:
    """A firm with an auditor key, an engagement, a bank and a counterparty to write to."""

    hub: Hub
    org_id: str
    key: str
    engagement_id: str
    bank: tuple[str, str]
    counterparty: tuple[str, str]

    def letter(self, letter_type: str, **changes: Any) -> dict[str, Any]:
        body = copy.deepcopy(schemas.example(f"confirmation_request.{letter_type}"))
        body["engagement_id"] = self.engagement_id
        _, uscc = self.bank if letter_type.startswith("bank_") else self.counterparty
        body["letter"]["responder"]["uscc"] = uscc
        body["letter"]["letter_number"] = unique("LN").upper().replace("_", "-")
        body.update(changes)
        return body


async def start_hub(
    db_url: str, broker_url: str, tmp_path: Any, *, letter_maker: LetterMaker | None = None,
    clock: Clock | None = None, **overrides: Any,
) -> Hub:
    settings = load_settings(
        env={}, data_dir=str(tmp_path), database_url=db_url, broker_url=broker_url,
        **{"relay_poll_seconds": 0.05, "scheduler_interval_seconds": 0.5,
           "retry_base_seconds": 0.05,
           # The channels' own policies wait seconds to minutes between tries in production.
           "bank_push_retry_base_seconds": 0.05, "bank_push_retry_max_seconds": 0.5,
           "portal_retry_base_seconds": 0.05, "portal_retry_max_seconds": 0.5, **overrides},
    )
    await migrate(settings.database_url)
    container = build(settings, letter_maker=letter_maker, clock=clock)
    runtime = Runtime(container, ("api", "relay", "worker", "scheduler"))
    await runtime.start(host="127.0.0.1", port=0)
    return Hub(f"http://127.0.0.1:{runtime.bound_port}", container, runtime)


@contextlib.asynccontextmanager
async def running_hub(db_url: str, broker_url: str, tmp_path: Any, **kwargs: Any
                      ) -> AsyncIterator[Hub]:
    """A hub started as start_hub starts it, stopped when the block ends."""
    h = await start_hub(db_url, broker_url, tmp_path, **kwargs)
    try:
        yield h
    finally:
        await h.runtime.stop()


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any) -> AsyncIterator[Hub]:
    async with running_hub(*stack, tmp_path) as h:
        yield h


async def make_firm(hub: Hub, client: tuple[str, str] | None = None) -> Firm:
    """A firm with an engagement for `client` (name, uscc; a new company by default)."""
    firm_id, _ = await hub.org("firm", "信达会计师事务所")
    key = await hub.key(firm_id, "auditor")
    bank = await hub.responder("bank", "中国示范银行北京分行")
    counterparty = await hub.responder("company", "北京示例贸易有限公司")
    async with hub.client(key) as http:
        resp = await http.post("/api/v1/engagements", json={
            "name": "2025年度审计",
            "client": {"name": client[0], "uscc": client[1]} if client else {
                "name": "北京堃喆昇科技有限公司", "uscc": new_uscc("110105")},
            "period_start": "2025-01-01", "period_end": "2025-12-31",
        })
        assert resp.status == 201, await resp.text()
        engagement_id = (await resp.json())["id"]
    return Firm(hub, firm_id, key, engagement_id, bank, counterparty)


@pytest.fixture
async def firm(hub: Hub) -> Firm:
    return await make_firm(hub)


@contextlib.asynccontextmanager
async def frozen_hub(stack: tuple[str, str], tmp_path: Any, clock: Any,
                     **overrides: Any) -> AsyncIterator[Hub]:
    """A hub on `clock` with quickly made unsigned letters and no scheduler round (the test
    runs second requests and deadlines itself, on the days it sets), stopped afterwards."""
    from tests.e2e.test_letters import RecordingLetterMaker

    async with running_hub(*stack, tmp_path, letter_maker=RecordingLetterMaker(), clock=clock,
                           scheduler_interval_seconds=3600, **overrides) as h:
        yield h


@pytest.fixture
def mailbox() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) for the test, and what it received
    (tests.e2e.portal_support.Mailbox)."""
    from tests.e2e.portal_support import start_smtp

    controller, box = start_smtp()
    try:
        yield box
    finally:
        controller.stop()
