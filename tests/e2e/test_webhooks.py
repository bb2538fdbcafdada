"""Workpapers pushed to a firm's webhook: a real receiver checks every signature; it gets each
workpaper once, gets it when it comes back after an outage, and an admin can send it again."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from adapters.audit_software import verify_signature
from adapters.bank_sim import EXAMPLE_LEDGER, Ledger
from adapters.signed_http import signature
from tests.conftest import free_port, unique
from tests.e2e.conftest import Firm, Hub, make_firm, start_hub
from tests.e2e.test_letters import submit_authorised
from tests.e2e.test_reference_bank import start_bank

PUBLIC = "https://hub.example.cn"
BANK_USCC = "91110000MA00BK7Q0G"  # the reference bank's


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def summary(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Audit software's webhook endpoint: checks the signature like the README's example;
    `answer` is what it says to a genuine request (503 while it is down)."""

    port: int = field(default_factory=free_port)
    secret: str = ""
    answer: int = 204
    got: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    attempts: int = 0
    runner: web.AppRunner | None = None

    def url(self, path: str = "/hooks/confirmations") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        seen = Received(request.path, dict(request.headers), body)
        if not verify_signature(self.secret, request.headers.get("X-Hub-Timestamp", ""), body,
                                request.headers.get("X-Hub-Signature", ""), time.time()):
            self.refused.append(seen)
            return web.Response(status=401, text="bad signature")
        self.attempts += 1
        if self.answer < 300:
            self.got.append(seen)
        return web.Response(status=self.answer)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def post(self, headers: dict[str, str], body: bytes) -> int:
        """Send a request to the receiver as anyone could (to see what it refuses)."""
        async with aiohttp.ClientSession() as http, http.post(
                self.url(), data=body, headers=headers) as resp:
            return resp.status


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 90.0) -> Any:
    """The first truthy result of `check`, polled until `within` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def customer_firm(hub: Hub) -> tuple[Firm, str]:
    """A firm auditing the reference bank's customer, and its firm_admin key."""
    customer = next(iter(Ledger.load(EXAMPLE_LEDGER).customers.values()))
    firm = await make_firm(hub, client=(customer.name, customer.uscc))
    return firm, await hub.key(firm.org_id, "firm_admin")


async def bank_letter(firm: Firm) -> str:
    """A 格式一 letter to the reference bank, authorised: it goes out, is answered, verified."""
    body = firm.letter("bank_format1", scope=unique("scope"))
    body["letter"]["responder"]["uscc"] = BANK_USCC
    return str((await submit_authorised(firm, body))["id"])


async def status_of(firm: Firm, cid: str) -> str:
    async with firm.hub.client(firm.key) as http:
        return str((await (await http.get(f"/api/v1/confirmations/{cid}")).json())["status"])


async def history(firm: Firm, cid: str) -> list[dict[str, Any]]:
    async with firm.hub.client(firm.key) as http:
        resp = await http.get(f"/api/v1/confirmations/{cid}/history")
        return list((await resp.json())["items"])


async def register(hub: Hub, key: str, url: str, path: str = "/api/v1/webhook",
                   **extra: Any) -> tuple[int, dict[str, Any]]:
    async with hub.client(key) as http:
        resp = await http.put(path, json={"url": url, **extra})
        return resp.status, dict(await resp.json())


def consumer(hub: Hub) -> Any:
    return next(c for c in hub.runtime.consumers if c.name == "adapter.audit_software")


async def test_the_receiver_gets_the_workpaper_once_signed_and_can_be_sent_it_again(
        stack: tuple[str, str], tmp_path: Path, receiver: Receiver) -> None:
    hub = await start_hub(*stack, tmp_path, webhook_private_networks=True,
                          public_base_url=PUBLIC, letter_signature_level="B-T")
    bank = await start_bank(hub, tmp_path / "bank")
    try:
        firm, admin_key = await customer_firm(hub)
        status, registered = await register(hub, admin_key, receiver.url())
        assert status == 201 and registered["scope"] == "firm"
        receiver.secret = registered["secret"]  # shown this once
        async with hub.client(admin_key) as http:
            shown = await (await http.get("/api/v1/webhook")).json()
        assert shown["url"] == receiver.url() and "secret" not in shown

        cid = await bank_letter(firm)
        assert await eventually(reached(firm, cid, "workpaper_delivered"))
        assert [r.summary["confirmation_id"] for r in receiver.got] == [cid]
        first = receiver.got[0]
        assert first.headers["X-Hub-Event"] == "workpaper.ready"
        assert "X-Hub-Redelivery" not in first.headers and receiver.refused == []
        summary = first.summary
        assert summary["status"] == "verified" and summary["exception_count"] == 0
        assert summary["engagement"]["id"] == firm.engagement_id
        assert summary["responder"]["uscc"] == BANK_USCC
        links = {d["kind"]: d for d in summary["documents"]}
        async with hub.client(firm.key) as http:
            for kind, name in (("workpaper", "workpaper.pdf"), ("evidence", "evidence.zip")):
                path = f"/api/v1/confirmations/{cid}/{name}"
                assert links[kind]["url"] == PUBLIC + path
                data = await (await http.get(path)).read()
                assert links[kind]["sha256"] == hashlib.sha256(data).hexdigest()
        delivered = [h for h in await history(firm, cid)
                     if h.get("to_status") == "workpaper_delivered"]
        assert [h["actor"] for h in delivered] == ["adapter:audit_software"]

        # a receiver that checks the signature refuses what was not signed with its secret
        stamp = first.headers["X-Hub-Timestamp"]
        sent = {"Content-Type": "application/json", "X-Hub-Timestamp": stamp,
                "X-Hub-Signature": first.headers["X-Hub-Signature"]}
        tampered = first.body.replace(cid.encode(), str(uuid.uuid4()).encode())
        assert tampered != first.body
        assert await receiver.post(sent, tampered) == 401
        forged = signature(b"not-the-firm-secret", stamp, first.body)
        assert await receiver.post({**sent, "X-Hub-Signature": forged}, first.body) == 401
        old = str(int(time.time()) - 3600)
        replayed = signature(receiver.secret.encode(), old, first.body)
        assert await receiver.post({**sent, "X-Hub-Timestamp": old,
                                    "X-Hub-Signature": replayed}, first.body) == 401
        assert len(receiver.refused) == 3 and len(receiver.got) == 1

        # an admin's deliberate re-send: a new message, marked, signed
        async with hub.client(admin_key) as http:
            resp = await http.post(f"/api/v1/confirmations/{cid}/workpaper/resend")
            assert resp.status == 202, await resp.text()
        assert await eventually(_count(receiver, 2))
        again = receiver.got[1]
        assert again.headers["X-Hub-Redelivery"] == "1"
        assert again.headers["X-Hub-Message-Id"] != first.headers["X-Hub-Message-Id"]
        assert again.summary["confirmation_id"] == cid and again.summary["redelivery"] is True
        assert len(receiver.got) == 2 and await status_of(firm, cid) == "workpaper_delivered"

        # the secret is nowhere in the database, only its encrypted form
        async with hub.container.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT sealed_secret FROM webhooks"))).all()
            log = (await conn.execute(text("SELECT data FROM event_log"))).all()
        assert len(rows) == 1 and receiver.secret not in rows[0][0]
        assert not any(receiver.secret in str(r[0]) for r in log)
    finally:
        await bank.cleanup()
        await hub.runtime.stop()


def reached(firm: Firm, cid: str, status: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await status_of(firm, cid) == status
    return check


def _count(receiver: Receiver, n: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(receiver.got) >= n
    return check


@pytest.mark.parametrize("stack", ["postgres+rabbitmq"], indirect=True)
async def test_a_receiver_that_is_down_gets_it_when_it_comes_back(
        stack: tuple[str, str], tmp_path: Path) -> None:
    hub = await start_hub(*stack, tmp_path, webhook_private_networks=True,
                          letter_signature_level="B-T", retry_max_attempts=50,
                          retry_max_seconds=0.3)
    bank = await start_bank(hub, tmp_path / "bank")
    receiver = Receiver(secret="engagement-secret-of-the-firm-0001")  # not listening yet
    try:
        firm, admin_key = await customer_firm(hub)
        assert (await register(hub, admin_key, receiver.url("/firm")))[0] == 201
        # the engagement's own webhook overrides the firm's; the firm chose its secret
        status, own = await register(
            hub, admin_key, receiver.url("/engagement"),
            f"/api/v1/engagements/{firm.engagement_id}/webhook", secret=receiver.secret)
        assert status == 201 and own["scope"] == "engagement" and "secret" not in own

        cid = await bank_letter(firm)

        async def retried() -> bool:
            return consumer(hub).stats.retried >= 2
        assert await eventually(retried)
        assert await status_of(firm, cid) == "verified"
        await receiver.start()
        assert await eventually(reached(firm, cid, "workpaper_delivered"))
        assert [(r.path, r.summary["confirmation_id"]) for r in receiver.got] == [
            ("/engagement", cid)]
        assert receiver.refused == []
    finally:
        await receiver.stop()
        await bank.cleanup()
        await hub.runtime.stop()


@pytest.mark.parametrize("stack", ["postgres+rabbitmq"], indirect=True)
async def test_without_a_webhook_nothing_is_sent_and_a_receiver_down_for_good_parks_it(
        stack: tuple[str, str], tmp_path: Path, receiver: Receiver) -> None:
    hub = await start_hub(*stack, tmp_path, webhook_private_networks=True,
                          letter_signature_level="B-T", retry_max_attempts=4,
                          retry_max_seconds=0.2)
    bank = await start_bank(hub, tmp_path / "bank")
    try:
        firm, admin_key = await customer_firm(hub)
        quiet = await bank_letter(firm)  # no webhook yet: the pull feed has it, nobody is called

        async def handled() -> bool:
            return consumer(hub).stats.handled >= 1
        assert await eventually(handled)
        assert await status_of(firm, quiet) == "verified" and receiver.attempts == 0
        async with hub.client(firm.key) as http:
            feed = await (await http.get("/api/v1/workpapers")).json()
        assert [i["confirmation_id"] for i in feed["items"]] == [quiet]

        status, registered = await register(hub, admin_key, receiver.url())
        assert status == 201
        receiver.secret, receiver.answer = registered["secret"], 503
        cid = await bank_letter(firm)

        async def failed() -> list[dict[str, Any]]:
            return [h for h in await history(firm, cid)
                    if h["event_type"] == "workpaper.delivery_failed"]
        notes = await eventually(failed)
        assert len(notes) == 1, await history(firm, cid)
        assert "503" in notes[0]["reason"] and "gave up after 4 attempts" in notes[0]["reason"]
        assert await status_of(firm, cid) == "verified" and receiver.attempts == 4
        parked = await hub.container.parking_store().list(limit=10)
        assert [p.queue for p in parked] == ["adapter.audit_software"]

        # back up: the firm admin re-sends both; each arrives once, marked as a re-send
        receiver.answer = 204
        async with hub.client(admin_key) as http:
            for one in (cid, quiet):
                resp = await http.post(f"/api/v1/confirmations/{one}/workpaper/resend")
                assert resp.status == 202, await resp.text()
        for one in (cid, quiet):
            assert await eventually(reached(firm, one, "workpaper_delivered"))
        assert sorted(r.summary["confirmation_id"] for r in receiver.got) == sorted([cid, quiet])
        assert {r.headers["X-Hub-Redelivery"] for r in receiver.got} == {"1"}
    finally:
        await bank.cleanup()
        await hub.runtime.stop()


@pytest.mark.parametrize("stack", ["sqlite+embedded"], indirect=True)
async def test_only_the_firms_admins_manage_its_webhooks_and_bad_input_changes_nothing(
        hub: Hub, firm: Firm) -> None:
    admin_key = await hub.key(firm.org_id, "firm_admin")
    other = await make_firm(hub)
    other_admin = await hub.key(other.org_id, "firm_admin")
    operator, _ = await hub.org("operator")
    hub_admin = await hub.key(operator, "admin")
    engagement = f"/api/v1/engagements/{firm.engagement_id}/webhook"
    async with hub.client(firm.key) as http:
        resp = await http.post("/api/v1/confirmations", json=firm.letter("bank_format1"))
        cid = (await resp.json())["id"]
    resend = f"/api/v1/confirmations/{cid}/workpaper/resend"

    # an auditor may not; bad URLs and secrets are refused naming the field, storing nothing
    assert (await register(hub, firm.key, "https://audit.example-cpa.cn/hook"))[0] == 404
    for body, where in (({"url": "ftp://audit.example-cpa.cn/hook"}, "/url"),
                        ({"url": "https://user:pw@audit.example-cpa.cn/hook"}, "/url"),
                        ({"url": "https://audit.example-cpa.cn/hook", "secret": "short"},
                         "/secret")):
        status, problem = await register(hub, admin_key, **body)
        assert status == 422 and [e["field"] for e in problem["errors"]] == [where], problem
    async with hub.client(admin_key) as http:
        assert (await http.get("/api/v1/webhook")).status == 404
        assert (await http.get(engagement)).status == 404

    # another firm's admin cannot see, register on, remove or resend for this engagement
    assert (await register(hub, other_admin, "https://evil.example.cn/hook", engagement))[0] \
        == 404
    async with hub.client(other_admin) as http:
        assert (await http.get(engagement)).status == 404
        assert (await http.delete(engagement)).status == 404
        assert (await http.post(resend)).status == 404

    # the firm's admin (or a hub admin, through the engagement) registers and replaces
    status, mine = await register(hub, admin_key, "https://audit.example-cpa.cn/hook",
                                  engagement, secret="firm-chosen-secret-0123456789")
    assert status == 201 and "secret" not in mine
    status, again = await register(hub, hub_admin, "https://audit.example-cpa.cn/other",
                                   engagement)
    assert status == 200 and again["id"] == mine["id"] and len(again["secret"]) >= 32
    assert (await register(hub, hub_admin, "https://audit.example-cpa.cn/hook"))[0] == 404
    async with hub.client(admin_key) as http:
        shown = await (await http.get(engagement)).json()
        assert shown["url"] == "https://audit.example-cpa.cn/other" and "secret" not in shown
        # nothing to re-send before the workpaper exists
        resp = await http.post(resend)
        assert resp.status == 409 and "no workpaper" in (await resp.json())["detail"]
        assert (await http.delete(engagement)).status == 204
        assert (await http.get(engagement)).status == 404

    # a token in the URL's query works for delivery but stays out of the permanent event log
    status, _ = await register(hub, admin_key,
                               "https://audit.example-cpa.cn/hook?token=tok-5ecret-9f2")
    assert status == 201
    async with hub.container.engine.connect() as conn:
        log = [str(r[0]) for r in (await conn.execute(text("SELECT data FROM event_log"))).all()]
    assert any("https://audit.example-cpa.cn/hook?…" in entry for entry in log)
    assert not any("tok-5ecret-9f2" in entry for entry in log)
