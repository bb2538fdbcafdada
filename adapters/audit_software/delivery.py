"""Pushes a confirmation's workpaper to the firm's registered webhook, signed (workpaper.ready)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial

import aiohttp
import structlog

from adapters.audit_software.networks import public_session, require_public_host
from adapters.delivery_notes import DeliveryNotes
from adapters.signed_http import post_signed, pushed_confirmation
from hub.domain.commands import RecordWorkpaperDelivery, RecordWorkpaperDeliveryFailure
from hub.domain.errors import PermanentError
from hub.domain.jsonvalue import json_default
from hub.domain.model import Confirmation, Document
from hub.ports import CommandBus, Envelope, SecretBox, UnitOfWork

log = structlog.get_logger(__name__)

ACTOR = "adapter:audit_software"
EVENT = "workpaper.ready"
KINDS = (("workpaper", "workpaper.pdf"), ("evidence", "evidence.zip"))


class WorkpaperWebhook(DeliveryNotes):
    """The handler of the adapter.audit_software queue (inside the consumer's unit of work).

    Finds the webhook of the confirmation's engagement (else of its firm; none: nothing is
    sent and the pull feed serves the workpaper), POSTs the summary with links to the
    documents, signed with the webhook's secret, and on a 2xx records the delivery (a verified
    confirmation becomes workpaper_delivered). A timeout, a connection error or an answer in
    adapters.signed_http.TRANSIENT_STATUSES (408, 425, 429, 500, 502-504) is retried by the
    consumer with backoff and jitter, then parked; any other answer parks it at once.
    X-Hub-Message-Id is the same on every retry; a re-send by an admin is a new message and
    says so in X-Hub-Redelivery.
    """

    actor = ACTOR
    failure = RecordWorkpaperDeliveryFailure

    def __init__(self, bus: CommandBus, secrets: SecretBox, base_url: str, *, timeout: float = 10.0,
                 private_networks: bool = False,
                 session: Callable[[], aiohttp.ClientSession] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._bus = bus
        self._secrets = secrets
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._private = private_networks
        """Whether webhooks may be on loopback or private addresses (development, tests)."""
        self._session = session or (None if private_networks else partial(
            public_session, timeout))
        self._clock = clock

    async def __call__(self, envelope: Envelope, uow: UnitOfWork) -> None:
        data = envelope.data
        c = await pushed_confirmation(envelope, uow)
        hook = await uow.webhooks.for_engagement(c.firm_org_id, c.engagement_id)
        if hook is None:
            log.info("workpaper_not_pushed", confirmation_id=c.id, reason="no webhook")
            return
        docs = [await uow.documents.get(c.id, kind) for kind, _ in KINDS]
        if any(d is None for d in docs):
            raise PermanentError("the workpaper or the evidence bundle is missing")
        redelivery = bool(data.get("redelivery"))
        body = await self._body(uow, c, [d for d in docs if d is not None], redelivery)
        headers = {"X-Hub-Event": EVENT, **({"X-Hub-Redelivery": "1"} if redelivery else {})}
        if not self._private:
            require_public_host(hook.url)
        secret = await self._secrets.unseal(hook.sealed_secret)
        await post_signed(hook.url, body, secret=secret.encode("utf-8"),
                          message_id=envelope.message_id, timestamp=str(int(self._clock())),
                          party="the webhook", timeout_seconds=self._timeout, headers=headers,
                          session=self._session, echo=False)
        await self._bus.handle_in(RecordWorkpaperDelivery(
            confirmation_id=c.id, actor=ACTOR, receiver=hook.url), uow)
        log.info("workpaper_pushed", confirmation_id=c.id, redelivery=redelivery,
                 scope="engagement" if hook.engagement_id else "firm")

    async def _body(self, uow: UnitOfWork, c: Confirmation, docs: list[Document],
                    redelivery: bool) -> bytes:
        engagement = await uow.engagements.get(c.engagement_id, None)
        entry = await uow.responders.by_uscc(c.responder_uscc)
        exceptions = await uow.replies.exceptions(c.id)
        links = dict(KINDS)
        summary = {
            "event": EVENT, "redelivery": redelivery,
            "confirmation_id": c.id, "letter_number": c.letter_number,
            "letter_type": c.letter_type.value, "as_of_date": c.as_of_date.isoformat(),
            "status": c.status.value,
            "engagement": {"id": c.engagement_id,
                           "reference": engagement.reference if engagement else None,
                           "name": engagement.name if engagement else None},
            "responder": {"name": entry.name if entry else None, "uscc": c.responder_uscc},
            "exception_count": len(exceptions),
            "exceptions": [{"item": e.item, "row": e.row, "field": e.field, "kind": e.kind,
                            "book_value": e.book_value, "confirmed_value": e.confirmed_value,
                            "difference": e.difference_text(), "explanation": e.explanation}
                           for e in exceptions],
            "documents": [{"kind": d.kind, "media_type": d.media_type, "sha256": d.sha256,
                           "size": d.size, "created_at": d.created_at.isoformat(),
                           "url": f"{self._base}/api/v1/confirmations/{c.id}/{links[d.kind]}"}
                          for d in docs],
        }
        return json.dumps(summary, ensure_ascii=False, default=json_default).encode("utf-8")
