"""A fake hub for the reference bank's service tests: the bank inbox API, in memory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestServer

import schemas
from hub.documents import render_letter

CUSTOMER = {"name": "北京堃喆昇科技有限公司", "uscc": "91110108MA01C7XK3X"}
"""The audited entity of the schema examples, a customer of the example ledger."""
LETTER_TYPES = ("bank_format1", "bank_format2", "bank_capital")
WAITING = ("dispatched", "delivered")


@cache
def letter_pdf(letter_type: str) -> bytes:
    """The example letter of `letter_type` as the hub renders it (fixed date: same bytes)."""
    letter = schemas.example(f"confirmation_request.{letter_type}")["letter"]
    return render_letter(letter_type, letter, client_name=CUSTOMER["name"],
                         created_at=datetime(2026, 1, 6, 10, 0))


@dataclass
class Upload:
    """One reply upload as the fake hub received it."""

    reply_id: str
    pdf: bytes
    data: dict[str, Any] | None


@dataclass
class FakeHub:
    """The hub's bank API (/api/v1/inbox) for one bank_operator key, with every call counted."""

    api_key: str = "bank-key-0123456789"
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    pdfs: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, list[Upload]] = field(default_factory=dict)
    returns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    receipts: dict[str, int] = field(default_factory=dict)
    downloads: dict[str, int] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    """Statuses to answer the next calls with, one each (e.g. [503, 503])."""
    listings: int = 0
    asked: list[str] = field(default_factory=list)
    """The `status` of each inbox listing, in order."""
    """How many times the inbox was listed."""
    keep_waiting: bool = False
    """List handled letters as waiting still (as a hub that has not caught up would)."""

    def add(self, letter_type: str = "bank_format1", *, letter: dict[str, Any] | None = None,
            customer: dict[str, str] | None = None, pdf: bytes | None = None,
            sha256: str | None = None) -> dict[str, Any]:
        """Put a dispatched letter in the inbox (the example of its type by default)."""
        letter = letter or schemas.example(f"confirmation_request.{letter_type}")["letter"]
        pdf = pdf if pdf is not None else letter_pdf(letter_type)
        item = {
            "id": str(uuid.uuid4()), "letter_number": letter["letter_number"],
            "letter_type": letter_type, "as_of_date": letter["as_of_date"],
            "letter_sha256": sha256 or hashlib.sha256(pdf).hexdigest(),
            "customer": dict(customer or CUSTOMER), "status": "dispatched",
            "received_at": None, "reply_due": None, "return_due": None, "letter": letter,
        }
        self.items[item["id"]] = item
        self.pdfs[item["id"]] = pdf
        return item

    def push_body(self, item: dict[str, Any]) -> bytes:
        """What the hub POSTs to the bank's /letters for `item`."""
        body = {k: item[k] for k in ("id", "letter_number", "letter_type", "as_of_date",
                                     "letter_sha256", "customer", "letter")}
        body["letter_pdf"] = base64.b64encode(self.pdfs[item["id"]]).decode()
        return json.dumps(body, ensure_ascii=False).encode()

    # ---------------------------------------------------------------- the HTTP side

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=50 * 1024 * 1024)
        app.router.add_get("/api/v1/inbox", self._list)
        app.router.add_get("/api/v1/inbox/{id}", self._item)
        app.router.add_get("/api/v1/inbox/{id}/letter.pdf", self._pdf)
        app.router.add_post("/api/v1/inbox/{id}/receipt", self._receipt)
        app.router.add_post("/api/v1/inbox/{id}/return", self._return)
        app.router.add_post("/api/v1/inbox/{id}/reply", self._reply)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[..., Any]) -> Any:
        if self.failures:
            return problem(self.failures.pop(0), "the hub is having a bad moment")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return problem(401, "no valid API key")
        if "id" in request.match_info and request.match_info["id"] not in self.items:
            return problem(404, "no such letter in this inbox")
        return await handler(request)

    async def _list(self, request: web.Request) -> web.Response:
        which = request.query["status"]
        assert which in ("waiting", "new") and request.query["limit"] == "50"
        self.listings += 1
        self.asked.append(which)
        statuses = WAITING if which == "waiting" else ("dispatched",)
        shown = [i for i in self.items.values() if self.keep_waiting or i["status"] in statuses]
        return web.json_response({"items": shown})

    async def _item(self, request: web.Request) -> web.Response:
        return web.json_response(self.items[request.match_info["id"]])

    async def _pdf(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        self.downloads[key] = self.downloads.get(key, 0) + 1
        return web.Response(body=self.pdfs[key], content_type="application/pdf")

    async def _receipt(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        assert await request.json() == {}
        self.receipts[key] = self.receipts.get(key, 0) + 1
        item = self.items[key]
        if item["status"] == "dispatched":
            item.update(status="delivered", received_at="2026-01-08T09:00:00+08:00")
        return web.json_response(item)

    async def _return(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        body = await request.json()
        if set(body) != {"reason_code", "reason"}:
            return problem(422, "reason_code and reason only", "/reason_code")
        self.returns.setdefault(key, []).append(body)
        self.items[key]["status"] = "returned"
        return web.json_response({**self.items[key], "late": False})

    async def _reply(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        parts: dict[str, tuple[str, bytes]] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader) and part.name
            parts[part.name] = (part.headers.get("Content-Type", ""), await part.read())
        if "reply.pdf" not in parts:
            return problem(422, "the signed reply (reply.pdf) is missing", "reply.pdf")
        assert parts["reply.pdf"][0] == "application/pdf"
        data = None
        if "reply.json" in parts:
            assert parts["reply.json"][0] == "application/json"
            data = json.loads(parts["reply.json"][1])
        pdf = parts["reply.pdf"][1]
        done = self.uploads.setdefault(key, [])
        for earlier in done:
            if earlier.pdf == pdf:
                return web.json_response({"reply_id": earlier.reply_id, "status": "received"})
        done.append(Upload(str(uuid.uuid4()), pdf, data))
        self.items[key]["status"] = "replied"
        return web.json_response({"reply_id": done[-1].reply_id, "status": "received"},
                                 status=202)


def problem(status: int, detail: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": "error", "status": status,
                            "detail": detail}
    if field:
        body["errors"] = [{"field": field, "message": detail}]
    return web.json_response(body, status=status, content_type="application/problem+json")


async def serve(app: web.Application) -> TestServer:
    """`app` on a free local port (close it with `await server.close()`)."""
    server = TestServer(app)
    await server.start_server()
    return server


def signed_headers(secret: str, body: bytes, *, at: float | None = None) -> dict[str, str]:
    """The headers a hub push carries: X-Hub-Timestamp and its HMAC X-Hub-Signature."""
    stamp = str(int(time.time() if at is None else at))
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Timestamp": stamp,
            "X-Hub-Signature": f"sha256={mac}"}


async def wait_for(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Until `condition()` holds; AssertionError after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
