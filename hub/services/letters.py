"""The letter stage: the audited entity authorises (授权); a worker makes the signed letter."""

from __future__ import annotations

import structlog

from hub.domain import commands
from hub.domain.errors import Forbidden, NotFound
from hub.domain.model import SYSTEM_ACTOR, Confirmation, Document, Role, Status
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps, client_name_of, confirmation_of, require_firm
from hub.services.exchange import dispatch

log = structlog.get_logger(__name__)

LETTER = "letter"
PDF = "application/pdf"


async def authorise_confirmation(
    cmd: commands.AuthoriseConfirmation, uow: UnitOfWork, deps: Deps
) -> Confirmation:
    """Only a client_signer key of the audited entity named on the letter may authorise."""
    caller = cmd.caller
    c = await uow.confirmations.get(cmd.confirmation_id, caller, for_update=True)
    if c is None:
        raise NotFound("no such confirmation")
    if caller.role is not Role.CLIENT_SIGNER or caller.org_id != c.client_org_id:
        raise Forbidden(
            "only a client_signer key of the audited entity (被审计单位) may authorise",
            field="Authorization",
        )
    c.authorise(today=deps.clock.today(), at=deps.clock.now(), actor=caller.actor)
    return c


async def make_letter(
    cmd: commands.MakeLetter, uow: UnitOfWork, deps: Deps
) -> Confirmation | None:
    """Render and sign the letter, store it, record its SHA-256 (letter_ready), dispatch it.

    Runs again harmlessly: a confirmation no longer `authorised` is left alone, and the blob
    store keeps each document by its hash, so a retry after a crash leaves at most one unused
    blob behind, never a second letter.
    """
    c = await confirmation_of(uow, cmd.confirmation_id)
    if c.status is not Status.AUTHORISED:
        log.info("letter_not_made", confirmation_id=c.id, status=c.status.value)
        return None
    firm = await uow.organisations.get(c.firm_org_id)
    client_name = await client_name_of(uow, c.engagement_id, c.client_org_id)
    pdf = await deps.letter_maker.make(
        c, firm_name=firm.name if firm else "", client_name=client_name
    )
    sha256 = await deps.blobs.put(pdf)
    # Lock only now: rendering and signing take a while and must not hold the row.
    locked = await uow.confirmations.get(cmd.confirmation_id, None, for_update=True)
    if locked is None or locked.status is not Status.AUTHORISED:
        return None
    now = deps.clock.now()
    await uow.documents.add(Document(
        confirmation_id=locked.id, kind=LETTER, sha256=sha256, size=len(pdf),
        media_type=PDF, created_at=now,
    ))
    locked.letter_made(sha256=sha256, at=now, actor=SYSTEM_ACTOR)
    log.info("letter_made", confirmation_id=locked.id, sha256=sha256, size=len(pdf))
    # Sent on in the same transaction (发函): a ready letter has nothing to wait for, and a
    # worker hop of its own would cost a message, a transaction and a second lock.
    await dispatch(locked, uow, deps)
    return locked


async def record_job_failure(
    cmd: commands.RecordJobFailure, uow: UnitOfWork, deps: Deps
) -> Confirmation | None:
    """A parked job: a letter still waiting to be made moves to `failed` with the reason (in
    its history, the API and the web page) instead of staying `authorised` for ever."""
    c = await uow.confirmations.get(cmd.confirmation_id, None, for_update=True)
    if c is None or not c.letter_failed(reason=cmd.reason, at=deps.clock.now(),
                                        actor=SYSTEM_ACTOR):
        return None
    log.warning("letter_failed", confirmation_id=c.id, reason=cmd.reason)
    return c


async def retry_letter(cmd: commands.RetryLetter, uow: UnitOfWork, deps: Deps) -> Confirmation:
    """Back to `authorised`: the worker makes the letter again. Sent twice with the same
    Idempotency-Key, the second finds it already retried and changes nothing."""
    require_firm(cmd.caller)
    c = await uow.confirmations.get(cmd.confirmation_id, cmd.caller, for_update=True)
    if c is None:
        raise NotFound("no such confirmation")
    if cmd.idempotency_key and not c.retryable and c.status in RETRIED:
        return c
    c.retry_letter(at=deps.clock.now(), actor=cmd.caller.actor)
    return c


RETRIED = frozenset({Status.AUTHORISED, Status.LETTER_READY, Status.DISPATCHED})
"""Where a retried letter may already be when the same retry arrives again."""

HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.AuthoriseConfirmation: authorise_confirmation,
    commands.MakeLetter: make_letter,
    commands.RecordJobFailure: record_job_failure,
    commands.RetryLetter: retry_letter,
}
