"""Delivers a dispatched letter to the bank's registered endpoint and records its receipt."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import aiohttp
import structlog

from adapters.delivery_notes import DeliveryNotes
from adapters.signed_http import post_signed, pushed_confirmation, signature
from hub.domain.commands import RecordDelivery
from hub.domain.errors import PermanentError
from hub.ports import BlobStore, CommandBus, Envelope, UnitOfWork

log = structlog.get_logger(__name__)

ACTOR = "adapter:bank_api"
push_signature = signature
"""X-Hub-Signature of a push, as the bank checks it (adapters.signed_http.signature)."""


class PushDelivery(DeliveryNotes):
    """The handler of the adapter.bank_api queue (inside the consumer's unit of work).

    Reads the letter and its bank's registered endpoint, POSTs them signed, and on a 2xx
    records the bank's receipt (the letter becomes delivered). A timeout, a connection error,
    408/425/429 or a 5xx is transient: the consumer retries with backoff and jitter, then
    parks it; any other answer is permanent and parks it at once. Banks may see a letter twice
    (a crash between their answer and our commit): X-Hub-Message-Id is the same every time.
    """

    actor = ACTOR

    def __init__(self, bus: CommandBus, blobs: BlobStore, secret: bytes, *, timeout: float = 30.0,
                 session: Callable[[], aiohttp.ClientSession] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._bus = bus
        self._blobs = blobs
        self._secret = secret
        self._timeout = timeout
        self._session = session
        self._clock = clock

    async def __call__(self, envelope: Envelope, uow: UnitOfWork) -> None:
        data = envelope.data
        c = await pushed_confirmation(envelope, uow)
        entry = await uow.responders.by_uscc(c.responder_uscc)
        if entry is None or entry.endpoint is None:
            raise PermanentError("the bank's registry entry has no push endpoint")
        doc = await uow.documents.get(c.id, "letter")
        client = await uow.organisations.get(c.client_org_id)
        if doc is None or client is None:
            raise PermanentError("the letter or the audited entity is missing")
        pdf = await self._blobs.get(doc.sha256)
        second = data.get("number") if envelope.type == "letter.second_request" else None
        body = json.dumps({
            **({"second_request": second} if second else {}),
            "id": c.id, "letter_number": c.letter_number, "letter_type": c.letter_type.value,
            "as_of_date": c.as_of_date.isoformat(), "letter_sha256": c.letter_sha256,
            "customer": {"name": client.name, "uscc": client.uscc},
            "letter": {k: v for k, v in c.letter.items() if k != "book_values"},
            "letter_pdf": base64.b64encode(pdf).decode("ascii"),
        }, ensure_ascii=False).encode("utf-8")
        receipt = await self._post(entry.endpoint, body, envelope.message_id)
        if second:  # 催函: the letter again, marked; a letter not delivered before now is
            log.info("second_request_pushed", confirmation_id=c.id, number=second)
        await self._bus.handle_in(RecordDelivery(confirmation_id=c.id, receipt=receipt,
                                                 actor=ACTOR), uow)
        log.info("letter_pushed", confirmation_id=c.id, receipt=receipt)

    async def _post(self, url: str, body: bytes, message_id: str) -> str:
        text = await post_signed(url, body, secret=self._secret, message_id=message_id,
                                 timestamp=str(int(self._clock())), party="the bank",
                                 timeout_seconds=self._timeout, session=self._session)
        try:
            receipt = json.loads(text).get("receipt_id")
        except (ValueError, AttributeError):
            receipt = None
        if not isinstance(receipt, str) or not receipt:
            raise PermanentError("the bank accepted the letter without a receipt_id")
        return receipt
