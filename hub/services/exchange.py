"""The exchange with responders: dispatch, receipt, return (退函), reply upload and its checks."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from typing import Any

import structlog

from hub.domain import commands
from hub.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.domain.model import SYSTEM_ACTOR, Caller, Confirmation, LetterType, Role, Status
from hub.domain.replies import (
    Reply,
    ReplyStatus,
    compare_book_values,
    data_sha256,
    exceptions_from_differences,
    stated_mismatches,
)
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps, confirmation_of

log = structlog.get_logger(__name__)

RETURN_WINDOW_WORKING_DAYS = 3
REPLY_WINDOW_WORKING_DAYS = 10
MAX_REPLY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Uploaded:
    reply: Reply
    created: bool
    refused: str | None = None
    """Why the reply does not count (the letter was answered already): it is kept as
    evidence, rejected, and the caller is told so (409)."""


ANSWERED = frozenset({Status.REPLIED, Status.VERIFIED, Status.WORKPAPER_DELIVERED})
"""A letter in one of these has the one reply that counts."""


async def dispatch(c: Confirmation, uow: UnitOfWork, deps: Deps) -> None:
    """Dispatch `c`, ready and locked by the caller, or fail it if its responder's registry
    entry can no longer be routed to."""
    entry = await uow.responders.by_uscc(c.responder_uscc)
    now = deps.clock.now()
    if entry is None or not entry.routable or entry.org_id != c.responder_org_id:
        state = "missing" if entry is None else entry.status.value
        c.move_to(Status.FAILED, at=now, actor=SYSTEM_ACTOR,
                  reason=f"the responder's registry entry is {state}: the letter was not sent")
        return
    c.dispatch(channel=entry.channel.value, responder_id=entry.id, at=now, actor=SYSTEM_ACTOR,
               reply_due=deps.calendar.add_working_days(deps.clock.today(),
                                                        REPLY_WINDOW_WORKING_DAYS))


async def _addressed(uow: UnitOfWork, caller: Caller, confirmation_id: str) -> Confirmation:
    """A letter sent to the caller's bank, locked for change (404 for any other)."""
    if caller.role is not Role.BANK_OPERATOR:
        raise Forbidden("only a bank_operator key of the addressed bank may do this")
    c = await uow.confirmations.get(confirmation_id, caller, for_update=True)
    if c is None:
        raise NotFound("no such letter in this inbox")
    return c


def _deliver(c: Confirmation, deps: Deps, actor: str, receipt: str | None = None) -> bool:
    today = deps.clock.today()
    return c.deliver(
        reply_due=deps.calendar.add_working_days(today, REPLY_WINDOW_WORKING_DAYS),
        return_due=deps.calendar.add_working_days(today, RETURN_WINDOW_WORKING_DAYS),
        at=deps.clock.now(), actor=actor, receipt=receipt)


async def record_delivery(cmd: commands.RecordDelivery, uow: UnitOfWork,
                          deps: Deps) -> Confirmation:
    """A pushed letter reached the bank, which gave its receipt."""
    c = await confirmation_of(uow, cmd.confirmation_id, for_update=True)
    if c.status is Status.DISPATCHED:
        _deliver(c, deps, cmd.actor, receipt=cmd.receipt)
    return c


async def record_delivery_pending(cmd: commands.RecordDeliveryPending, uow: UnitOfWork,
                                  deps: Deps) -> None:
    """The channel did not take the letter yet: say so in its history, once, and on the
    letter (delivery pending, 投递中) while the adapter retries (a letter delivered meanwhile
    needs no note)."""
    c = await confirmation_of(uow, cmd.confirmation_id, for_update=True)
    c.delivery_pending(reason=cmd.reason, retry_hours=cmd.retry_hours, at=deps.clock.now(),
                       actor=cmd.actor)


async def record_delivery_failure(cmd: commands.RecordDeliveryFailure, uow: UnitOfWork,
                                  deps: Deps) -> None:
    """Delivery gave up: say so in the letter's history (the message waits, parked) and, if
    it is still undelivered, on the letter (待投递): its deadlines run all the same."""
    c = await confirmation_of(uow, cmd.confirmation_id, for_update=True)
    c.delivery_failed(reason=cmd.reason, at=deps.clock.now(), actor=cmd.actor)


async def acknowledge_receipt(cmd: commands.AcknowledgeReceipt, uow: UnitOfWork,
                              deps: Deps) -> Confirmation:
    c = await _addressed(uow, cmd.caller, cmd.confirmation_id)
    if c.status is Status.DISPATCHED:
        _deliver(c, deps, cmd.caller.actor)
    return c


async def return_letter(cmd: commands.ReturnLetter, uow: UnitOfWork,
                        deps: Deps) -> tuple[Confirmation, bool]:
    """退函 within 3 working days of receipt; a later one is taken but flagged late."""
    c = await _addressed(uow, cmd.caller, cmd.confirmation_id)
    if c.status is Status.DISPATCHED:
        _deliver(c, deps, cmd.caller.actor)
    if c.status is not Status.DELIVERED:
        raise Conflict(f"a letter that is {c.status.value} cannot be returned")
    late = c.return_letter(code=cmd.code, reason=cmd.reason, today=deps.clock.today(),
                           at=deps.clock.now(), actor=cmd.caller.actor)
    return c, late


async def upload_reply(cmd: commands.UploadReply, uow: UnitOfWork, deps: Deps) -> Uploaded:
    """Keep the signed reply (and its data) as evidence and queue its checks; the same
    reply again changes nothing."""
    if not cmd.pdf.startswith(b"%PDF-"):
        raise ValidationFailed("the reply is not a PDF", field="reply.pdf")
    if len(cmd.pdf) > MAX_REPLY_BYTES:
        raise ValidationFailed(f"the reply exceeds {MAX_REPLY_BYTES} bytes", field="reply.pdf")
    c = await _addressed(uow, cmd.caller, cmd.confirmation_id)
    sha256 = hashlib.sha256(cmd.pdf).hexdigest()
    existing = await uow.replies.by_sha256(c.id, sha256)
    if existing is not None:
        return Uploaded(existing, created=False)
    if c.status is Status.DISPATCHED:
        _deliver(c, deps, cmd.caller.actor)
    counting = await _counting_reply(uow, c)
    if c.status is not Status.DELIVERED and counting is None:
        raise Conflict(f"a letter that is {c.status.value} takes no reply")
    await deps.blobs.put(cmd.pdf)
    now = deps.clock.now()
    if counting is not None:
        return await _refused(c, counting, cmd, sha256, uow, deps)
    reply = Reply(id=str(uuid.uuid4()), confirmation_id=c.id, sha256=sha256, received_at=now,
                  received_by=cmd.caller.actor, data=cmd.data)
    await uow.replies.add(reply)
    c.reply_received(reply_id=reply.id, sha256=sha256, at=now, actor=cmd.caller.actor)
    return Uploaded(reply, created=True)


async def _counting_reply(uow: UnitOfWork, c: Confirmation) -> Reply | None:
    """The reply that counts for `c` (accepted, or received and not yet checked), if any;
    a letter answered some other way (the portal) counts its accepted reply."""
    if c.status is not Status.DELIVERED and c.status not in ANSWERED:
        return None
    for reply in await uow.replies.of(c.id):
        if reply.status in (ReplyStatus.RECEIVED, ReplyStatus.ACCEPTED):
            return reply
    return None


async def _refused(c: Confirmation, counting: Reply, cmd: commands.UploadReply, sha256: str,
                   uow: UnitOfWork, deps: Deps) -> Uploaded:
    """Another reply for an answered letter: kept as evidence, rejected, and refused."""
    now = deps.clock.now()
    reason = (f"函证已回复 / letter {c.letter_number} was answered already by reply "
              f"{counting.id}: this other reply is kept as evidence and does not count")
    reply = Reply(id=str(uuid.uuid4()), confirmation_id=c.id, sha256=sha256, received_at=now,
                  received_by=cmd.caller.actor, data=cmd.data, status=ReplyStatus.REJECTED,
                  reason=reason, checked_at=now)
    await uow.replies.add(reply)
    await uow.replies.checked(reply)
    c.reply_rejected(reply_id=reply.id, reason=reason, at=now, actor=SYSTEM_ACTOR)
    log.warning("reply_refused", confirmation_id=c.id, reply_id=reply.id, counting=counting.id)
    return Uploaded(reply, created=False, refused=reason)


async def check_reply(cmd: commands.CheckReply, uow: UnitOfWork, deps: Deps) -> Reply | None:
    """A reply counts only if validly signed by a certificate registered for the responder and
    bound to this letter (number and SHA-256); then its data is compared with the books."""
    reply = await uow.replies.get(cmd.reply_id)
    if reply is None:
        raise NotFound(f"reply {cmd.reply_id} does not exist")
    if reply.status is not ReplyStatus.RECEIVED:
        return None  # checked already (a redelivered message)
    c = await confirmation_of(uow, reply.confirmation_id, for_update=True)
    if c.status is not Status.DELIVERED:  # answered by another reply meanwhile: not counted
        reason = (f"函证已回复 / letter {c.letter_number} is {c.status.value}: this reply is "
                  "kept as evidence and does not count")
        now = deps.clock.now()
        await uow.replies.checked(replace(reply, status=ReplyStatus.REJECTED, reason=reason,
                                          checked_at=now))
        c.reply_rejected(reply_id=reply.id, reason=reason, at=now, actor=SYSTEM_ACTOR)
        return replace(reply, status=ReplyStatus.REJECTED, reason=reason)
    check = await deps.reply_checker.check(await deps.blobs.get(reply.sha256))
    problems = list(check.problems)
    entry = await uow.responders.by_uscc(c.responder_uscc)
    registered = not (entry is None or check.signer_sha256 is None
                      or entry.certificate(check.signer_sha256) is None)
    if not registered:
        who = entry.name if entry is not None else "the responder"
        problems.append(f"签名证书未登记 / the reply is signed by {check.signer or 'nobody'}, "
                        f"whose certificate is not registered for {who}")
    unbound = _binding_problems(c, reply, check.binding)
    problems += unbound
    now = deps.clock.now()
    checked = replace(reply, checked_at=now, signer=check.signer,
                      signer_sha256=check.signer_sha256, checks={
                          "signature_valid": not check.problems and check.signer is not None,
                          "certificate_registered": registered,
                          "bound_to_letter": not unbound})
    if problems:
        reason = "; ".join(problems)
        await uow.replies.checked(replace(checked, status=ReplyStatus.REJECTED, reason=reason))
        c.reply_rejected(reply_id=reply.id, reason=reason, at=now, actor=SYSTEM_ACTOR)
        log.warning("reply_rejected", confirmation_id=c.id, reply_id=reply.id, reason=reason)
        return replace(checked, status=ReplyStatus.REJECTED, reason=reason)
    data = reply.data or {}
    if c.letter_type is LetterType.BANK_FORMAT2:
        found = compare_book_values(c.letter.get("book_values", {}), data.get("items", {}))
    else:
        found = exceptions_from_differences(list(data.get("differences", [])))
    await uow.replies.add_exceptions(c.id, reply.id, found)
    await uow.replies.checked(replace(checked, status=ReplyStatus.ACCEPTED))
    c.reply_verified(exceptions=len(found), at=now, actor=SYSTEM_ACTOR)
    return replace(checked, status=ReplyStatus.ACCEPTED)


def _binding_problems(c: Confirmation, reply: Reply, binding: dict[str, str]) -> list[str]:
    out = []
    if binding.get("letter_number") != c.letter_number:
        out.append(f"the signed reply answers letter {binding.get('letter_number')!r}, "
                   f"not {c.letter_number}")
    if binding.get("letter_sha256") != c.letter_sha256:
        out.append("the signed reply answers another letter: its letter SHA-256 is "
                   f"{binding.get('letter_sha256')!r}, this letter's is {c.letter_sha256}")
    data: dict[str, Any] | None = reply.data
    if data is None:
        out.append("no structured reply data (reply.json) came with the reply")
        return out
    if binding.get("reply_data_sha256") != data_sha256(data):
        out.append("the reply data (reply.json) is not the data the bank signed")
    if data.get("letter_number") != c.letter_number or data.get("letter_sha256") != \
            c.letter_sha256:
        out.append("the reply data names another letter")
    if data.get("letter_type") != c.letter_type.value:
        out.append(f"the reply data is for a {data.get('letter_type')} letter")
    if c.letter_type is not LetterType.BANK_FORMAT2 and not out:
        out += stated_mismatches(c.letter, list(data.get("differences", [])))
    return out


async def send_second_requests(cmd: commands.SendSecondRequests, uow: UnitOfWork,
                               deps: Deps) -> list[str]:
    """催函: for each letter whose reply is overdue by its engagement's schedule, the next
    second request goes out through the letter's channel (once: the count is kept)."""
    today = deps.clock.today()
    sent = []
    for cid in await uow.confirmations.awaiting_reply_since(today, cmd.limit):
        c = await uow.confirmations.get(cid, None, for_update=True)
        if c is None:
            continue
        engagement = await uow.engagements.get(c.engagement_id, None)
        schedule = engagement.second_request_days if engagement is not None else (1,)
        if not c.second_request_due(schedule, today, deps.calendar.add_working_days):
            continue
        entry = await uow.responders.by_uscc(c.responder_uscc)
        channel = entry.channel.value if entry is not None else "unknown"
        c.second_request(channel=channel, at=deps.clock.now(), actor=SYSTEM_ACTOR)
        sent.append(c.id)
    return sent


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.AcknowledgeReceipt: acknowledge_receipt,
    commands.ReturnLetter: return_letter,
    commands.UploadReply: upload_reply,
    commands.CheckReply: check_reply,
    commands.RecordDelivery: record_delivery,
    commands.RecordDeliveryPending: record_delivery_pending,
    commands.RecordDeliveryFailure: record_delivery_failure,
    commands.SendSecondRequests: send_second_requests,
}
