"""The whole flow under faults: hub processes and the reference bank killed with SIGKILL at
random moments, RabbitMQ restarted, the bank down for a while, a cancel while a letter is
made. Nothing is lost, nothing is done twice, nothing is parked, every letter ends.

Replay a failure with HUB_FAULT_SEED=<the printed seed>; HUB_FAULT_BANK_DOWN_SECONDS sets how
long the bank stays down (20 s here: well past the ~7 s after which the hub used to give up).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from hub.bootstrap import build
from hub.db.migrate import migrate
from hub.infra.settings import load_settings
from tests.conftest import free_port, unique
from tests.e2e.conftest import Firm, Hub, make_firm
from tests.e2e.portal_support import Contact, Mailbox, is_link_mail, start_smtp
from tests.e2e.test_webhooks import Receiver

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]

SEED = int(os.environ.get("HUB_FAULT_SEED") or random.SystemRandom().randrange(2**31))
BANK_DOWN_SECONDS = float(os.environ.get("HUB_FAULT_BANK_DOWN_SECONDS", "20"))
BANK_LETTERS = 6
OUTAGE_LETTERS = 3
MIDWAY_LETTERS = 2
COMPANY_LETTERS = 3
CANCELLED_LETTERS = 2
SECRET = "fault-suite-push-secret"
BANK_USCC = "91110000MA00BK7Q0G"  # the reference bank's (its example ledger)
KINDS = ("api", "relay", "worker", "scheduler", "bank")
SETTLE_SECONDS = 150.0


class Fleet:
    """The hub's processes and the reference bank as OS processes, one of each kind,
    restarted after a kill; every one reaped at the end."""

    def __init__(self, env: dict[str, str], logs: Path, bank_args: list[str],
                 bank_env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        self.bank_args = bank_args
        self.bank_env = {**self.env, **bank_env}
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: Counter[str] = Counter()
        self.kills: list[str] = []

    def start(self, kind: str) -> None:
        assert kind not in self.running, kind
        self.starts[kind] += 1
        log = (self.logs / f"{kind}-{self.starts[kind]}.log").open("ab")
        args = self.bank_args if kind == "bank" else [kind]
        env = self.bank_env if kind == "bank" else self.env
        self.running[kind] = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", *args], env=env, stdout=subprocess.DEVNULL,
            stderr=log)
        log.close()

    def kill(self, kind: str) -> None:
        p = self.running.pop(kind)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        self.kills.append(kind)

    def alive(self) -> dict[str, int | None]:
        return {k: p.poll() for k, p in self.running.items()}

    def stop_all(self) -> None:
        for p in self.running.values():
            p.terminate()
        for p in self.running.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.running.clear()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


async def retrying(what: str, call: Any, within: float = 120.0) -> Any:
    """`call()` again after connection errors and 5xx answers (the API may be being killed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            result = await call()
            if not (isinstance(result, tuple) and result and isinstance(result[0], int)
                    and result[0] >= 500):
                return result
        except (TimeoutError, aiohttp.ClientError, AssertionError, OSError) as e:
            if loop.time() > deadline:
                raise AssertionError(f"{what}: still failing ({e})") from e
        if loop.time() > deadline:
            raise AssertionError(f"{what}: still failing ({result})")
        await asyncio.sleep(0.3)


async def http(hub: Hub, key: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with hub.client(key) as session, session.request(method, path, **kwargs) as resp:
        body = await resp.json() if resp.content_type.endswith("json") else await resp.read()
        return resp.status, body


class Flow:
    """What the test does as the firm, the audited entity and the company's contact."""

    def __init__(self, hub: Hub, firm: Firm, signer: str, box: Mailbox) -> None:
        self.hub, self.firm, self.signer, self.box = hub, firm, signer, box
        self.notes: list[str] = []
        self.numbers: dict[str, str] = {}

    async def submit(self, letter_type: str) -> str:
        body = self.firm.letter(letter_type, scope=unique("scope"))
        if letter_type.startswith("bank_"):
            body["letter"]["responder"]["uscc"] = BANK_USCC
        key = unique("idem")

        async def once() -> tuple[int, Any]:
            return await http(self.hub, self.firm.key, "POST", "/api/v1/confirmations",
                              json=body, headers={"Idempotency-Key": key})
        status, created = await retrying("submit", once)
        assert status in (200, 201), created
        self.numbers[created["id"]] = body["letter"]["letter_number"]
        return str(created["id"])

    async def status(self, cid: str) -> str:
        async def once() -> tuple[int, Any]:
            return await http(self.hub, self.firm.key, "GET", f"/api/v1/confirmations/{cid}")
        status, body = await retrying("status", once)
        assert status == 200, body
        return str(body["status"])

    async def wait_for(self, cid: str, statuses: set[str], within: float = 120.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            now = await self.status(cid)
            if now in statuses or loop.time() > deadline:
                return now
            await asyncio.sleep(0.05)

    async def authorise(self, cid: str) -> None:
        await self.wait_for(cid, {"awaiting_authorisation"})

        async def once() -> tuple[int, Any]:
            return await http(self.hub, self.signer, "POST",
                              f"/api/v1/confirmations/{cid}/authorization")
        status, body = await retrying("authorise", once)
        # 409: an earlier attempt was applied though its answer was lost with the API.
        assert status == 200 or (
            status == 409 and await self.status(cid) != "awaiting_authorisation"), body

    async def cancel_while_made(self, cid: str) -> str:
        """Cancel as soon as the letter is authorised: the worker is making it then."""
        await self.authorise(cid)
        seen = await self.wait_for(cid, {"authorised", "letter_ready", "dispatched",
                                         "delivered"})

        async def once() -> tuple[int, Any]:
            return await http(self.hub, self.firm.key, "POST",
                              f"/api/v1/confirmations/{cid}/cancel", json={"reason": "改发新函"})
        status, body = await retrying("cancel", once)
        self.notes.append(f"cancel of {cid} when {seen}: {status} "
                          f"{body.get('status') or body.get('detail')}")
        return await self.status(cid)

    async def portal_reply(self, cid: str, email: str) -> None:
        """The company's contact follows the link and confirms (again after any failure)."""
        contact = Contact.of(self.hub, self.box, email)
        number = self.numbers[cid]
        try:
            for attempt in range(120):
                now = await self.status(cid)
                if now in ("replied", "verified", "workpaper_delivered", "failed"):
                    return
                if now != "delivered":  # the link e-mail is not sent yet
                    await asyncio.sleep(0.5)
                    continue
                try:
                    mails = await self.box.wait(email, 1, lambda m: is_link_mail(m) and number
                                                in str(m["Subject"]), within=5)
                    if not mails:
                        continue
                    path = await contact_link(contact, mails[-1])
                    html = await contact.open_letter(path)
                    status, _ = await contact.reply(path, html, {"answer": "agreed"})
                    if status == 200:
                        return
                except (TimeoutError, aiohttp.ClientError, AssertionError, OSError) as e:
                    self.notes.append(f"portal reply {cid}, attempt {attempt + 1}: {e!r}"[:200])
                await asyncio.sleep(1.0)
        finally:
            await contact.close()


async def contact_link(contact: Contact, mail: Any) -> str:
    from tests.e2e.portal_support import LINK, body

    url = LINK.search(body(mail))
    assert url is not None
    return url.group(1).removeprefix(contact.hub.container.portal_base_url())


async def chaos(fleet: Fleet, rng: random.Random, timeline: list[str], stop: asyncio.Event,
                on_fault: Callable[[str], None], scripted: asyncio.Event) -> None:
    """The faults, in the seeded order, at seeded moments (`on_fault` told as each begins;
    `scripted` set when all have run); then random kills until `stop`."""

    async def pause(low: float, high: float) -> None:
        await asyncio.sleep(rng.uniform(low, high))

    async def fault(what: str) -> None:
        t = time.monotonic()
        on_fault(what)
        if what == "broker":
            try:
                _rabbitmqctl("stop_app")
                await pause(1.0, 3.0)
            finally:
                _rabbitmqctl("start_app")
                _rabbitmqctl("await_startup")
        elif what == "bank-down":
            fleet.kill("bank")
            await asyncio.sleep(BANK_DOWN_SECONDS)
            fleet.start("bank")
        else:
            fleet.kill(what)
            await pause(0.2, 2.0)
            fleet.start(what)
        timeline.append(f"{what} ({time.monotonic() - t:.1f} s)")

    for what in timeline_order(rng):
        await pause(1.0, 4.0)
        await fault(what)
    scripted.set()
    while not stop.is_set():
        await pause(2.0, 6.0)
        if not stop.is_set():
            await fault(rng.choice(KINDS))


def timeline_order(rng: random.Random) -> list[str]:
    order = [*KINDS, "broker", "bank-down", rng.choice(KINDS)]
    rng.shuffle(order)
    return order


async def scalar(hub: Hub, sql: str) -> Any:
    async with hub.container.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def rows(hub: Hub, sql: str) -> list[Any]:
    async with hub.container.engine.connect() as conn:
        return list(await conn.execute(text(sql)))


def bank_pushes(logs: Path) -> dict[str, set[str]]:
    """confirmation id → the message ids of the letter's pushes the bank took (not 催函)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for path in logs.glob("bank-*.log"):
        for line in path.read_text("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "letter_pushed" and not entry.get("second_request"):
                seen[entry["confirmation_id"]].add(entry.get("message_id", ""))
    return seen


@pytest.mark.parametrize("bank_down_seconds", [BANK_DOWN_SECONDS])
async def test_the_whole_flow_survives_kills_a_broker_restart_and_a_bank_down(
        pg_url: str, amqp_url: str, tmp_path: Path, bank_down_seconds: float) -> None:
    print(f"\nfault suite seed: HUB_FAULT_SEED={SEED} (bank down {bank_down_seconds:g} s)",
          flush=True)
    rng = random.Random(SEED)
    started = time.monotonic()
    api_port, bank_port = free_port(), free_port()
    hub_dir, bank_dir, logs = tmp_path / "hub", tmp_path / "bank", tmp_path / "logs"
    for d in (hub_dir, bank_dir, logs):
        d.mkdir()
    controller, box = start_smtp()
    receiver = Receiver()
    await receiver.start()
    budget_hours = (bank_down_seconds * 4 + 120) / 3600
    env = {
        "HUB_DATABASE_URL": pg_url, "HUB_BROKER_URL": amqp_url, "HUB_DATA_DIR": str(hub_dir),
        "HUB_API_HOST": "127.0.0.1", "HUB_API_PORT": str(api_port),
        "HUB_LOG_LEVEL": "warning", "HUB_LOG_FORMAT": "json",
        "HUB_RELAY_POLL_SECONDS": "0.05", "HUB_RELAY_LEASE_SECONDS": "2",
        "HUB_SCHEDULER_INTERVAL_SECONDS": "1", "HUB_LETTER_SIGNATURE_LEVEL": "B-T",
        "HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_PORT": str(box.port),
        "HUB_BANK_PUSH_SECRET": SECRET, "HUB_WEBHOOK_PRIVATE_NETWORKS": "true",
        "HUB_PUBLIC_BASE_URL": f"http://127.0.0.1:{api_port}",
        # The channels' policies, compressed: seconds between tries, minutes of budget.
        "HUB_RETRY_BASE_SECONDS": "0.2", "HUB_RETRY_MAX_SECONDS": "2",
        "HUB_BANK_PUSH_RETRY_BASE_SECONDS": "0.5", "HUB_BANK_PUSH_RETRY_MAX_SECONDS": "3",
        "HUB_BANK_PUSH_RETRY_HOURS": f"{budget_hours:.4f}",
        "HUB_PORTAL_RETRY_BASE_SECONDS": "0.5", "HUB_PORTAL_RETRY_MAX_SECONDS": "3",
        "HUB_PORTAL_RETRY_HOURS": f"{budget_hours:.4f}",
    }
    settings = load_settings(env=env)
    await migrate(pg_url)
    container = build(settings)
    hub = Hub(f"http://127.0.0.1:{api_port}", container, None)  # type: ignore[arg-type]
    fleet: Fleet | None = None
    try:
        from adapters.bank_sim import EXAMPLE_LEDGER, BankSigner, Ledger
        from hub.cli.seeding import verified_responder

        ledger = Ledger.load(EXAMPLE_LEDGER)
        await container.dev_keyring.pki()
        signer = BankSigner.from_pki(hub_dir / "pki", "bank-sim", bank_name=ledger.bank.name,
                                     bank_uscc=ledger.bank.uscc)
        entry = await verified_responder(
            container, kind="bank", name=ledger.bank.name, uscc=ledger.bank.uscc,
            bank_code=ledger.bank.bank_code, channel="bank_api_push",
            endpoint=f"http://127.0.0.1:{bank_port}/letters",
            certificates=(signer.certificate_pem,))
        bank_key = await hub.key(entry.org_id, "bank_operator")
        fleet = Fleet(env, logs, bank_args=[
            "bank-sim", "--hub-url", hub.base, "--port", str(bank_port), "--poll-seconds", "2",
            "--data-dir", str(bank_dir)], bank_env={
            "HUB_BANK_SIM_API_KEY": bank_key, "HUB_BANK_SIM_PUSH_SECRET": SECRET,
            "HUB_LOG_LEVEL": "info"})
        for kind in KINDS:
            fleet.start(kind)

        customer = next(iter(ledger.customers.values()))
        firm = await retrying("firm", lambda: make_firm(hub, (customer.name, customer.uscc)))
        admin = await hub.key(firm.org_id, "firm_admin")
        status, hook = await retrying("webhook", lambda: http(
            hub, admin, "PUT", "/api/v1/webhook", json={"url": receiver.url()}))
        assert status == 201, hook
        receiver.secret = hook["secret"]
        _, engagement = await http(hub, firm.key, "GET",
                                   f"/api/v1/engagements/{firm.engagement_id}")
        client_signer = await hub.key(engagement["client_org_id"], "client_signer")
        flow = Flow(hub, firm, client_signer, box)
        email = f"confirm-{firm.counterparty[1].lower()}@example.com"

        async def wave(n: int) -> list[str]:
            ids = [await flow.submit("bank_format1") for _ in range(n)]
            await asyncio.gather(*(flow.authorise(c) for c in ids))
            return ids

        # Letters also go out while the bank is down, and half-way through the faults.
        waves: dict[str, asyncio.Task[list[str]]] = {}

        def on_fault(what: str) -> None:
            if what == "bank-down":
                waves["outage"] = asyncio.create_task(wave(OUTAGE_LETTERS))
            elif "midway" not in waves and len(timeline) >= 3:
                waves["midway"] = asyncio.create_task(wave(MIDWAY_LETTERS))

        timeline: list[str] = []
        stop, scripted = asyncio.Event(), asyncio.Event()
        faults = asyncio.create_task(chaos(fleet, rng, timeline, stop, on_fault, scripted))

        bank_ids = [await flow.submit("bank_format1") for _ in range(BANK_LETTERS)]
        company_ids = [await flow.submit("company_receivable") for _ in range(COMPANY_LETTERS)]
        cancel_ids = [await flow.submit("bank_format1") for _ in range(CANCELLED_LETTERS)]
        await asyncio.gather(*(flow.authorise(c) for c in bank_ids + company_ids))
        cancelled = await asyncio.gather(*(flow.cancel_while_made(c) for c in cancel_ids))
        await asyncio.gather(*(flow.portal_reply(c, email) for c in company_ids))
        await scripted.wait()
        outage_ids = await waves["outage"]
        bank_ids += outage_ids + await waves["midway"]

        answered = bank_ids + company_ids
        final = {"workpaper_delivered", "returned", "failed", "cancelled", "expired"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while loop.time() < deadline:
            states = {c: await flow.status(c) for c in answered + cancel_ids}
            if set(states.values()) <= final:
                break
            await asyncio.sleep(0.5)
        stop.set()
        await faults
        assert set(fleet.alive().values()) == {None}, f"a process died: {fleet.alive()}"
        await asyncio.sleep(2.0)  # let the last webhook answers and the sealer settle

        states = {c: await flow.status(c) for c in answered + cancel_ids}
        report = (f"seed {SEED}; faults {timeline}; cancels {cancelled}; "
                  f"notes {flow.notes[-8:]}; states {Counter(states.values())}")
        print(report, flush=True)
        # 0 lost: every answered letter went all the way; the cancelled ones stayed cancelled.
        assert {states[c] for c in answered} == {"workpaper_delivered"}, report
        assert {states[c] for c in cancel_ids} <= {"cancelled", "workpaper_delivered"}, report
        # The outage was met: letters sent while the bank was down waited, delivery pending.
        waited = await scalar(hub, "SELECT count(DISTINCT aggregate_id) FROM event_log "
                              "WHERE event_type = 'letter.delivery_pending' AND aggregate_id IN "
                              f"({', '.join(repr(c) for c in outage_ids)})")
        assert waited >= 1, report
        # 0 parked.
        assert await scalar(hub, "SELECT count(*) FROM parked_messages") == 0, (
            report, await rows(hub, "SELECT queue, reason FROM parked_messages"))
        # 0 duplicates: one delivery, one counted reply, one workpaper push per letter.
        twice = await rows(hub, """
            SELECT aggregate_id, data->>'to_status', count(*) FROM event_log
            WHERE event_type = 'confirmation.status_changed'
            GROUP BY aggregate_id, data->>'to_status' HAVING count(*) > 1""")
        assert twice == [], report
        replies = await rows(hub, "SELECT confirmation_id, status FROM replies")
        counted = Counter(cid for cid, status in replies if status != "rejected")
        assert all(counted[c] == 1 for c in answered), (report, replies)
        assert not [r for r in replies if r[1] == "received"], (report, replies)
        pushes = bank_pushes(logs)
        assert {c: len(pushes[c]) for c in bank_ids} == dict.fromkeys(bank_ids, 1), (
            report, dict(pushes))
        handled = json.loads((bank_dir / "handled.json").read_text("utf-8"))
        assert set(bank_ids) <= set(handled.get("letters", handled)), report
        hooks = defaultdict(set)
        for got in receiver.got:
            hooks[got.summary.get("confirmation_id")].add(got.headers.get("X-Hub-Message-Id"))
        assert {c: len(hooks[c]) for c in answered} == dict.fromkeys(answered, 1), (
            report, dict(hooks))
        # The event log's chain holds (the scheduler's sealer chained it while all this ran).
        await asyncio.sleep(1.0)
        verify = subprocess.run([sys.executable, "-m", "hub.cli", "audit", "verify"],
                                env=fleet.env, capture_output=True, timeout=120)
        assert verify.returncode == 0, (report, verify.stdout, verify.stderr)
        print(f"fault suite: {len(answered)} letters answered ({waited} of {len(outage_ids)} "
              f"sent in the outage waited), {len(cancel_ids)} cancelled "
              f"while made ({Counter(states[c] for c in cancel_ids)}), kills "
              f"{Counter(fleet.kills)}, wall {time.monotonic() - started:.0f} s", flush=True)
    finally:
        if fleet is not None:
            fleet.stop_all()
        await receiver.stop()
        controller.stop()
        await container.close()
