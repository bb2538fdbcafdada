"""Workpapers (回函底稿): for a verified confirmation, the sealed workpaper and evidence bundle."""

from __future__ import annotations

from typing import Any

import structlog

from hub.domain import commands, events
from hub.domain.errors import NotFound
from hub.domain.model import SYSTEM_ACTOR, Document, Status
from hub.domain.replies import ReplyStatus
from hub.ports import UnitOfWork, WorkpaperInput
from hub.services.deps import CommandHandler, Deps, confirmation_of

log = structlog.get_logger(__name__)

WORKPAPER = "workpaper"
EVIDENCE = "evidence"


def _d(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


async def make_workpaper(cmd: commands.MakeWorkpaper, uow: UnitOfWork, deps: Deps) -> bool:
    """Build and store the workpaper and the evidence bundle once; False if there was
    nothing to do (made already, or not verified)."""
    c = await confirmation_of(uow, cmd.confirmation_id)
    if c.status is not Status.VERIFIED or await uow.documents.get(c.id, WORKPAPER) is not None:
        return False
    replies = [r for r in await uow.replies.of(c.id) if r.status is ReplyStatus.ACCEPTED]
    letter = await uow.documents.get(c.id, "letter")
    engagement = await uow.engagements.get(c.engagement_id, None)
    firm = await uow.organisations.get(c.firm_org_id)
    client = await uow.organisations.get(c.client_org_id)
    entry = await uow.responders.by_uscc(c.responder_uscc)
    if not replies or letter is None or engagement is None or firm is None or client is None:
        raise NotFound(f"confirmation {c.id} lacks its letter, reply or engagement")
    reply = replies[-1]
    history = await uow.confirmations.history(c.id)
    exceptions = await uow.replies.exceptions(c.id)
    facts = {
        "engagement": {"name": engagement.name, "reference": engagement.reference,
                       "client_name": engagement.client_name or client.name,
                       "client_uscc": client.uscc,
                       "period_start": _d(engagement.period_start),
                       "period_end": _d(engagement.period_end)},
        "firm": {"name": firm.name},
        "confirmation": {"id": c.id, "letter_number": c.letter_number,
                         "letter_type": c.letter_type.value, "mode": c.mode.value,
                         "as_of_date": _d(c.as_of_date), "status": c.status.value,
                         "letter_sha256": c.letter_sha256, "dispatched_at": _d(c.dispatched_at),
                         "delivered_at": _d(c.delivered_at), "reply_due": _d(c.reply_due),
                         "second_requests": c.second_requests, "warnings": list(c.warnings)},
        "responder": {"name": entry.name if entry else "", "uscc": entry.uscc if entry else "",
                      "bank_code": entry.bank_code if entry else None,
                      "channel": entry.channel.value if entry else None},
        "reply": {"sha256": reply.sha256, "received_at": _d(reply.received_at),
                  "signer": reply.signer, "signer_sha256": reply.signer_sha256,
                  "conclusion": (reply.data or {}).get("conclusion")},
        "exceptions": [{"item": e.item, "row": e.row, "field": e.field, "kind": e.kind,
                        "book_value": e.book_value, "confirmed_value": e.confirmed_value,
                        "difference": e.difference_text(),
                        "explanation": e.explanation} for e in exceptions],
        "history": [{"seq": h.seq, "at": _d(h.at), "event_type": h.event_type,
                     "from_status": h.data.get("from_status"),
                     "to_status": h.data.get("to_status"), "actor": h.actor,
                     "reason": h.data.get("reason"), "hash": h.hash} for h in history],
    }
    workpaper, bundle = await deps.workpaper_maker.make(WorkpaperInput(
        facts=facts, letter_pdf=await deps.blobs.get(letter.sha256),
        reply_pdf=await deps.blobs.get(reply.sha256), reply_data=reply.data,
        attachments=await _attachments(deps, reply.data)))
    now = deps.clock.now()
    for kind, data, media in ((WORKPAPER, workpaper, "application/pdf"),
                              (EVIDENCE, bundle, "application/zip")):
        sha = await deps.blobs.put(data)
        await uow.documents.add(Document(confirmation_id=c.id, kind=kind, sha256=sha,
                                         size=len(data), media_type=media, created_at=now))
    # The audit software adapter pushes it to the firm's webhook, if it has one.
    uow.record(events.WorkpaperReady(at=now, actor=SYSTEM_ACTOR, confirmation_id=c.id,
                                     firm_org_id=c.firm_org_id, engagement_id=c.engagement_id))
    log.info("workpaper_made", confirmation_id=c.id, actor=SYSTEM_ACTOR)
    return True


_SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


async def _attachments(deps: Deps, data: dict[str, Any] | None) -> tuple[tuple[str, bytes], ...]:
    """The files a responder attached (listed in its reply data by SHA-256), named by their
    place and type; their own names stay in reply.json and the sealed reply."""
    assert deps.blobs is not None
    out = []
    for i, item in enumerate((data or {}).get("attachments") or [], start=1):
        suffix = _SUFFIXES.get(str(item.get("media_type")), ".bin")
        out.append((f"attachments/{i:02d}{suffix}", await deps.blobs.get(str(item["sha256"]))))
    return tuple(out)


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.MakeWorkpaper: make_workpaper,
}
