"""Letters pushed to the reference bank's endpoint: delivered, retried while it is down, parked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.bank_sim import BankSigner, BankSimSettings, Ledger, create_bank_app
from adapters.bank_sim.service import BANK
from hub.cli.seeding import verified_responder
from tests.conftest import free_port, unique
from tests.e2e.conftest import Firm, Hub, make_firm, new_uscc, running_hub, start_hub
from tests.e2e.test_letters import submit_authorised, wait_status

SECRET = "push-secret-for-tests"


@pytest.fixture
async def hub(stack: tuple[str, str], tmp_path: Any, request: pytest.FixtureRequest
              ) -> AsyncIterator[Hub]:
    """A hub whose push channel retries fast; by default 6 attempts decide (no hours)."""
    overrides = {"bank_push_retry_base_seconds": 0.05, "bank_push_retry_max_seconds": 0.5,
                 "bank_push_retry_hours": 0.0, "retry_max_attempts": 6,
                 **getattr(request, "param", {})}
    async with running_hub(*stack, tmp_path, bank_push_secret=SECRET,
                           letter_signature_level="B-T", **overrides) as h:
        yield h


@pytest.fixture
async def bank(hub: Hub, tmp_path: Path) -> AsyncIterator[web.Application]:
    """The reference bank, on the push channel: registered with its endpoint and certificate."""
    from adapters.bank_sim import EXAMPLE_LEDGER

    ledger = Ledger.load(EXAMPLE_LEDGER)
    pki_dir = Path(hub.container.settings.data_dir) / "pki"
    await hub.container.dev_keyring.pki()
    signer = BankSigner.from_pki(pki_dir, "bank-sim", bank_name=ledger.bank.name,
                                 bank_uscc=ledger.bank.uscc)
    port = free_port()
    entry = await verified_responder(
        hub.container, kind="bank", name=ledger.bank.name, uscc=ledger.bank.uscc,
        bank_code=ledger.bank.bank_code, channel="bank_api_push",
        endpoint=f"http://127.0.0.1:{port}/letters", certificates=(signer.certificate_pem,))
    key = await hub.key(entry.org_id, "bank_operator")
    app = create_bank_app(BankSimSettings(
        hub_url=hub.base, api_key=key, pki_dir=pki_dir, data_dir=tmp_path / "bank",
        signer_alias="bank-sim", poll_seconds=60, push_secret=SECRET, port=port))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield app
    finally:
        await runner.cleanup()


async def pushed_letter(hub: Hub) -> tuple[Firm, str]:
    """A 格式一 letter of the bank's customer, authorised: the hub pushes it once made."""
    from adapters.bank_sim import EXAMPLE_LEDGER

    customer = next(iter(Ledger.load(EXAMPLE_LEDGER).customers.values()))
    firm = await make_firm(hub, client=(customer.name, customer.uscc))
    letter = firm.letter("bank_format1", scope=unique("scope"))
    letter["letter"]["responder"]["uscc"] = "91110000MA00BK7Q0G"
    return firm, (await submit_authorised(firm, letter))["id"]


async def test_a_pushed_letter_is_delivered_answered_and_verified(
        hub: Hub, bank: web.Application) -> None:
    firm, cid = await pushed_letter(hub)
    verified = await wait_status(firm, cid, "verified", within=60)
    assert verified["status"] == "verified" and verified["exception_count"] == 0
    async with hub.client(firm.key) as http:
        history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())
    delivered = [h for h in history["items"] if h.get("to_status") == "delivered"]
    assert len(delivered) == 1 and delivered[0]["reason"].startswith("receipt ")
    assert delivered[0]["actor"] == "adapter:bank_api"


async def test_delivery_is_retried_while_the_bank_is_down_and_succeeds_when_it_returns(
        hub: Hub, bank: web.Application) -> None:
    bank[BANK].down = True
    firm, cid = await pushed_letter(hub)
    dispatched = await wait_status(firm, cid, "dispatched", within=60)
    assert dispatched["status"] == "dispatched"
    await asyncio.sleep(0.5)  # some attempts fail with 503
    assert (await wait_status(firm, cid, "delivered", within=0.1))["status"] == "dispatched"
    async with hub.client(firm.key) as http:
        history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())
    pending = [h for h in history["items"] if h["event_type"] == "letter.delivery_pending"]
    assert len(pending) == 1 and "503" in pending[0]["reason"], history
    bank[BANK].down = False
    assert (await wait_status(firm, cid, "verified", within=60))["status"] == "verified"


# The channel's budget, scaled down: 2 attempts are few, but retries go on for 6 seconds.
@pytest.mark.parametrize("hub", [{"retry_max_attempts": 2, "bank_push_retry_hours": 6 / 3600}],
                         indirect=True)
async def test_a_bank_down_for_longer_than_the_attempts_but_within_the_hours_parks_nothing(
        hub: Hub, bank: web.Application) -> None:
    bank[BANK].down = True
    firm, cid = await pushed_letter(hub)
    await wait_status(firm, cid, "dispatched", within=60)
    await asyncio.sleep(2.0)  # many more failed attempts than retry_max_attempts
    bank[BANK].down = False
    assert (await wait_status(firm, cid, "verified", within=60))["status"] == "verified"
    async with hub.client(firm.key) as http:
        history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())
    types = [h["event_type"] for h in history["items"]]
    assert "letter.delivery_pending" in types and "letter.delivery_failed" not in types
    assert await hub.container.parking_store().list(limit=10) == []


async def test_a_bank_that_confirms_receipt_while_the_push_is_in_flight_is_no_failure(
        pg_url: str, amqp_url: str, tmp_path: Path) -> None:
    """The bank POSTs its receipt to the hub before it answers the push: the push then records
    a receipt for a letter already delivered. Nothing conflicts, nothing is parked.

    PostgreSQL only: on SQLite the push's transaction holds the one write lock while it
    waits for the bank, so a bank calling back before it answers waits for the timeout."""
    h = await start_hub(pg_url, amqp_url, tmp_path, bank_push_secret=SECRET, retry_max_attempts=2,
                        letter_signature_level="B-T", bank_push_retry_hours=0.0)
    key_of_bank: dict[str, str] = {}
    acknowledged: list[int] = []

    async def letters(request: web.Request) -> web.Response:
        item = await request.json()
        async with h.client(key_of_bank["key"]) as http:
            resp = await http.post(f"/api/v1/inbox/{item['id']}/receipt")
            acknowledged.append(resp.status)
        return web.json_response({"receipt_id": f"R-{item['id']}"}, status=202)

    app = web.Application()
    app.router.add_post("/letters", letters)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        uscc = new_uscc("310115")
        entry = await verified_responder(
            h.container, kind="bank", name="中国示范银行上海分行", uscc=uscc,
            channel="bank_api_push",
            endpoint=f"http://127.0.0.1:{port}/letters")
        key_of_bank["key"] = await h.key(entry.org_id, "bank_operator")
        firm = await make_firm(h)
        ids = []
        for _ in range(6):
            letter = firm.letter("bank_format1", scope=unique("scope"))
            letter["letter"]["responder"]["uscc"] = uscc
            ids.append((await submit_authorised(firm, letter))["id"])
        for cid in ids:
            assert (await wait_status(firm, cid, "delivered", within=60))["status"] == \
                "delivered"
        await asyncio.sleep(1.0)  # the pushes finish after the receipts
        async with h.client(firm.key) as http:
            for cid in ids:
                history = (await (await http.get(
                    f"/api/v1/confirmations/{cid}/history")).json())["items"]
                assert not [e for e in history
                            if e["event_type"] == "letter.delivery_failed"], history
        assert await h.container.parking_store().list(limit=10) == []
        assert len(acknowledged) >= len(ids) and set(acknowledged) <= {200, 201, 204}
    finally:
        await runner.cleanup()
        await h.runtime.stop()


async def test_a_bank_down_for_good_parks_the_delivery_with_the_reason(
        hub: Hub, bank: web.Application) -> None:
    bank[BANK].down = True
    firm, cid = await pushed_letter(hub)
    async with hub.client(firm.key) as http:
        for _ in range(300):
            history = (await (await http.get(f"/api/v1/confirmations/{cid}/history")).json())
            failed = [h for h in history["items"]
                      if h["event_type"] == "letter.delivery_failed"]
            if failed:
                break
            await asyncio.sleep(0.1)
        c = await (await http.get(f"/api/v1/confirmations/{cid}")).json()
    assert failed, history
    assert "503" in failed[0]["reason"] and "gave up after 6 attempts" in failed[0]["reason"]
    assert c["status"] == "dispatched"
    parked = await hub.container.parking_store().list(limit=10)
    assert [p.queue for p in parked] == ["adapter.bank_api"]
