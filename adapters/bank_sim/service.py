"""The reference bank as an aiohttp service: its worker, push delivery (POST /letters), health."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from adapters.bank_sim.hubclient import HubInboxClient, Item
from adapters.bank_sim.ledger import EXAMPLE_LEDGER, Ledger
from adapters.bank_sim.signer import DEFAULT_ALIAS, BankSigner
from adapters.bank_sim.worker import BankWorker, HandledLetters
from hub.domain.errors import ValidationFailed
from signing import Level

__all__ = [
    "BANK", "MAX_PUSH_BYTES", "PUSH_WINDOW_SECONDS", "STATE_FILE", "BankService",
    "BankSimSettings", "create_bank_app", "push_signature",
]

log = structlog.get_logger(__name__)

PUSH_WINDOW_SECONDS = 300
"""A push whose X-Hub-Timestamp is further than this from the bank's clock is refused."""
MAX_PUSH_BYTES = 40 * 1024 * 1024
"""The largest push body: a letter PDF of 30 MB, base64-encoded."""
STATE_FILE = "handled.json"
"""The file in the data directory listing the letters already returned or replied to."""
PROBLEM = "application/problem+json"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BankSimSettings:
    """How the reference bank runs."""

    hub_url: str
    """The hub's base URL, e.g. http://127.0.0.1:8080 (the bank API is its /api/v1/inbox)."""
    api_key: str = field(repr=False)
    """The hub API key of the bank's bank_operator, sent as a Bearer token; never logged."""
    pki_dir: Path
    """The hub's development PKI (<hub data dir>/pki): the bank's key and the TSA come from it."""
    data_dir: Path
    """Where the bank keeps its own files (the handled letters)."""
    ledger: Path = EXAMPLE_LEDGER
    """The bank's ledger (JSON); the default agrees with the letters of schemas/examples."""
    signer_alias: str = DEFAULT_ALIAS
    """The bank's alias in the PKI; its certificate is issued on first use."""
    host: str = "127.0.0.1"
    """Where the bank listens for pushed letters."""
    port: int = 8090
    """The port it listens on."""
    poll_seconds: float = 5.0
    """How often the bank lists the hub's inbox (a push wakes it at once)."""
    push_secret: str | None = field(default=None, repr=False)
    """The HMAC-SHA256 key of X-Hub-Signature shared with the hub; None refuses every push."""
    down: bool = False
    """Start as if down: POST /letters answers 503 until POST /admin/up."""
    level: Level = Level.B_T
    """The PAdES level of the bank's reply signature (B-T at least: it is time-stamped)."""
    clock: Callable[[], datetime] = _utc_now
    """The current time (aware): the reply's date, its PDF's date, the push replay window."""


@dataclass
class BankService:
    """What the running app holds: its settings, the down switch, the worker once started."""

    settings: BankSimSettings
    down: bool = False
    worker: BankWorker | None = None
    receipts: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Pushed letter id -> (its letter_sha256, the receipt_id given), so a re-push gets the same."""


BANK = web.AppKey("bank", BankService)


def create_bank_app(settings: BankSimSettings) -> web.Application:
    """The bank's app: GET /healthz, POST /letters (push), POST /admin/down and /admin/up.

    Its worker starts with the app (cleanup_ctx) and is cancelled and awaited on shutdown.
    """
    app = web.Application(client_max_size=MAX_PUSH_BYTES)
    app[BANK] = BankService(settings, down=settings.down)
    app.cleanup_ctx.append(_worker)
    app.router.add_get("/healthz", _healthz)
    app.router.add_post("/letters", _push)
    app.router.add_post("/admin/down", _switch(down=True))
    app.router.add_post("/admin/up", _switch(down=False))
    return app


async def _worker(app: web.Application) -> AsyncIterator[None]:
    bank = app[BANK]
    s = bank.settings
    ledger = await asyncio.to_thread(Ledger.load, s.ledger)
    signer = await asyncio.to_thread(BankSigner.from_pki, s.pki_dir, s.signer_alias,
                                     bank_name=ledger.bank.name, bank_uscc=ledger.bank.uscc,
                                     level=s.level)
    handled = await asyncio.to_thread(HandledLetters.load, Path(s.data_dir) / STATE_FILE)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        worker = BankWorker(HubInboxClient(s.hub_url, s.api_key, session), ledger, signer,
                            handled, s.clock)
        task = asyncio.create_task(worker.run(s.poll_seconds), name="bank-sim-worker")
        bank.worker = worker
        log.info("bank_sim_started", bank=ledger.bank.name, hub_url=s.hub_url,
                 handled=len(handled), alias=s.signer_alias)
        try:
            yield
        finally:
            bank.worker = None
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            log.info("bank_sim_stopped")


def _problem(status: int, title: str, detail: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if field is not None:
        body["errors"] = [{"field": field, "message": detail}]
    return web.json_response(body, status=status, content_type=PROBLEM,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def push_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Hub-Signature of `body` sent at `timestamp` (unix seconds, as the header has it)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _authenticate(bank: BankService, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why the request is not from the hub, or None if it is (HMAC and replay window)."""
    secret = bank.settings.push_secret
    if not secret:
        return "push delivery is not configured at this bank"
    stamp, given = headers.get("X-Hub-Timestamp", ""), headers.get("X-Hub-Signature", "")
    try:
        sent = int(stamp)
    except ValueError:
        return "X-Hub-Timestamp must be the time in unix seconds"
    if abs(bank.settings.clock().timestamp() - sent) > PUSH_WINDOW_SECONDS:
        return f"X-Hub-Timestamp is more than {PUSH_WINDOW_SECONDS} s from the bank's clock"
    if not hmac.compare_digest(given.encode(), push_signature(secret, stamp, body).encode()):
        return "X-Hub-Signature does not match"
    return None


def _pushed_letter(raw: bytes) -> tuple[Item, bytes]:
    """The item and the letter PDF of a push body; ValidationFailed names the field at fault."""
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise ValidationFailed(f"the body is not JSON: {e}", field="body") from e
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", field="body")
    members: tuple[tuple[str, type], ...] = (
        ("id", str), ("letter_number", str), ("letter_type", str), ("as_of_date", str),
        ("letter_sha256", str), ("customer", dict), ("letter", dict), ("letter_pdf", str))
    for name, kind in members:
        if not isinstance(body.get(name), kind):
            what = "an object" if kind is dict else "a string"
            raise ValidationFailed(f"/{name} must be {what}", field=f"/{name}")
    for name in ("name", "uscc"):
        if not isinstance(body["customer"].get(name), str):
            raise ValidationFailed(f"/customer/{name} must be a string", field=f"/customer/{name}")
    try:
        pdf = base64.b64decode(body.pop("letter_pdf"), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValidationFailed("/letter_pdf must be base64", field="/letter_pdf") from e
    if hashlib.sha256(pdf).hexdigest() != body["letter_sha256"]:
        raise ValidationFailed("the letter PDF does not match letter_sha256",
                               field="/letter_pdf")
    return body, pdf


async def _push(request: web.Request) -> web.Response:
    """The hub delivers a letter: 202 with a receipt id; the worker returns or answers it."""
    bank = request.app[BANK]
    if bank.down or bank.worker is None:
        return _problem(503, "Service unavailable", "the bank is not taking letters now")
    raw = await request.read()
    fault = _authenticate(bank, request.headers, raw)
    if fault is not None:
        log.warning("push_refused", reason=fault)
        return _problem(401, "Authentication required", fault)
    try:
        item, pdf = _pushed_letter(raw)
    except ValidationFailed as e:
        return _problem(422, "Invalid request", e.message, e.field)
    known = bank.receipts.get(item["id"])
    receipt = known[1] if known and known[0] == item["letter_sha256"] else str(uuid.uuid4())
    bank.receipts[item["id"]] = (item["letter_sha256"], receipt)
    bank.worker.push(item, pdf)
    log.info("letter_pushed", confirmation_id=item["id"], letter_number=item["letter_number"],
             receipt_id=receipt, message_id=request.headers.get("X-Hub-Message-Id", ""),
             second_request=item.get("second_request"))
    return web.json_response({"receipt_id": receipt}, status=202)


def _switch(*, down: bool) -> Callable[[web.Request], Any]:
    async def switch(request: web.Request) -> web.Response:
        """Take the bank down or bring it up (signed like a push, body may be empty)."""
        bank = request.app[BANK]
        fault = _authenticate(bank, request.headers, await request.read())
        if fault is not None:
            return _problem(401, "Authentication required", fault)
        bank.down = down
        log.info("bank_sim_switched", down=down)
        return web.json_response({"down": down})

    return switch


async def _healthz(request: web.Request) -> web.Response:
    bank = request.app[BANK]
    worker = bank.worker
    return web.json_response({"status": "ok", "down": bank.down, "running": worker is not None,
                              "handled": len(worker.handled) if worker else 0})
