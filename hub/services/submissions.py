"""Use case: submitting confirmation requests, and their group commit (requests that arrive
together share one unit of work)."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import structlog

from hub.domain import commands
from hub.domain.errors import Conflict, HubError, TransientError, ValidationFailed
from hub.domain.model import Caller, Confirmation, Engagement, LetterType, Mode
from hub.domain.responders import Responder, require_routable
from hub.domain.uscc import validate_uscc
from hub.ports import UnitOfWork
from hub.services.confirmations import ask_authorisation
from hub.services.deps import CommandHandler, Deps, new_id, parse_date, require_firm

if TYPE_CHECKING:
    from hub.services.messagebus import MessageBus

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Submitted:
    confirmation: Confirmation
    replayed: bool


def business_key(
    engagement_id: str, responder_org_id: str, as_of: date, letter_type: str, scope: str
) -> str:
    """The key that stops the same letter being sent twice (DESIGN: reliability rules)."""
    raw = "|".join((engagement_id, responder_org_id, as_of.isoformat(), letter_type, scope))
    return hashlib.sha256(raw.encode()).hexdigest()


async def submit_confirmation(
    cmd: commands.SubmitConfirmation, uow: UnitOfWork, deps: Deps
) -> Submitted:
    submitted = await _prepare_submission(cmd, uow, deps, _Lookups(uow))
    if not submitted.replayed:
        await uow.confirmations.add(submitted.confirmation)
    return submitted


async def submit_confirmations(
    cmds: Sequence[commands.SubmitConfirmation], uow: UnitOfWork, deps: Deps
) -> list[Submitted | HubError]:
    """Several submissions in one unit of work (group commit): each command's outcome, in order.

    A command refused by the domain (a bad field, another firm's engagement) gets its error and
    writes nothing; the others go on. The new confirmations are inserted together; if any of
    them collides with a unique key, Conflict is raised for the whole batch, and the caller
    rolls back and submits each alone, so that every command gets the answer it would have got
    on its own.
    """
    lookups = _Lookups(uow)
    outcomes: list[Submitted | HubError] = []
    for cmd in cmds:
        try:
            outcomes.append(await _prepare_submission(cmd, uow, deps, lookups))
        except TransientError:
            raise
        except HubError as e:
            outcomes.append(e)
    await uow.confirmations.add_all([
        o.confirmation for o in outcomes if isinstance(o, Submitted) and not o.replayed
    ])
    return outcomes


class _Lookups:
    """Engagements and registry entries read once per unit of work, however many submissions
    name them (a batch of a hundred letters usually names one engagement and a few banks)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._engagements: dict[tuple[str, Caller], Engagement | None] = {}
        self._responders: dict[str, Responder | None] = {}

    async def engagement(self, engagement_id: str, caller: Caller) -> Engagement | None:
        key = (engagement_id, caller)
        if key not in self._engagements:
            self._engagements[key] = await self._uow.engagements.get(engagement_id, caller)
        return self._engagements[key]

    async def responder(self, uscc: str) -> Responder | None:
        if uscc not in self._responders:
            self._responders[uscc] = await self._uow.responders.by_uscc(uscc)
        return self._responders[uscc]


async def _prepare_submission(
    cmd: commands.SubmitConfirmation, uow: UnitOfWork, deps: Deps, lookups: _Lookups
) -> Submitted:
    """Check one submission and build its confirmation (or find the one its key made)."""
    require_firm(cmd.caller)
    caller = cmd.caller
    if cmd.idempotency_key:
        existing = await uow.confirmations.by_idempotency_key(caller.org_id, cmd.idempotency_key)
        if existing is not None:
            if existing.request_hash != cmd.request_hash:
                raise Conflict(
                    "this Idempotency-Key was used with a different body",
                    field="Idempotency-Key",
                )
            return Submitted(existing, replayed=True)
    engagement = await lookups.engagement(cmd.engagement_id, caller)
    if engagement is None:
        raise ValidationFailed(
            f"no engagement {cmd.engagement_id} of this firm", field="/engagement_id"
        )
    try:
        letter_type = LetterType(cmd.letter_type)
    except ValueError as e:
        raise ValidationFailed(
            f"unknown letter type {cmd.letter_type!r}", field="/letter_type"
        ) from e
    letter = cmd.letter
    mode = Mode(letter.get("mode", Mode.POSITIVE.value))
    responder_uscc = validate_uscc(
        letter.get("responder", {}).get("uscc", ""), field="/letter/responder/uscc"
    )
    entry = require_routable(await lookups.responder(responder_uscc), responder_uscc,
                             letter_type.responder_kind, "/letter/responder/uscc")
    if entry.org_id == engagement.client_org_id:
        raise ValidationFailed(
            "the responder cannot be the audited entity itself", field="/letter/responder/uscc"
        )
    as_of = parse_date(letter.get("as_of_date", ""), "/letter/as_of_date")
    if cmd.parent_id is not None:
        parent = await uow.confirmations.get(cmd.parent_id, caller)
        if parent is None:
            raise ValidationFailed(f"no confirmation {cmd.parent_id}", field="/parent_id")
    now = deps.clock.now()
    confirmation = Confirmation.submit(
        actor=caller.actor,
        id=new_id(),
        firm_org_id=caller.org_id,
        engagement_id=engagement.id,
        client_org_id=engagement.client_org_id,
        responder_org_id=entry.org_id,
        letter_type=letter_type,
        mode=mode,
        letter_number=letter["letter_number"],
        as_of_date=as_of,
        letter=letter,
        business_key=business_key(
            engagement.id, entry.org_id, as_of, letter_type.value, cmd.scope
        ),
        created_at=now,
        idempotency_key=cmd.idempotency_key,
        request_hash=cmd.request_hash,
        scope=cmd.scope,
        parent_id=cmd.parent_id,
        amounts=list(cmd.amounts),
        warnings=_address_warnings(engagement, entry),
    )
    # Asked of the audited entity at once, in the same transaction: one hop less than a
    # worker doing it, and the caller's 201 already says awaiting_authorisation.
    ask_authorisation(confirmation, deps)
    return Submitted(confirmation, replayed=False)


def _address_warnings(engagement: Engagement, entry: Responder) -> list[str]:
    """A warning when the engagement gives another address for this responder than the
    registered one: the letter may not be under the auditor's control (CSA 1312)."""
    override = engagement.override_for(entry.uscc)
    if override is None:
        return []
    contact = override.get("contact", {})
    registered = ", ".join(filter(None, (c.email or c.phone for c in entry.contacts))) or "-"
    given = contact.get("email") or contact.get("phone") or contact.get("address") or "-"
    return [f"函证地址与登记地址不一致 / the engagement overrides the registered address of "
            f"{entry.name}: {given} instead of {registered} ({override.get('reason', '')})"]


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.SubmitConfirmation: submit_confirmation,
}


@dataclass
class _Pending:
    cmd: commands.SubmitConfirmation
    answer: asyncio.Future[Submitted]


class Submissions:
    """Takes SubmitConfirmation commands and commits them in batches.

    No timer and no waiting: a submission that finds no batch running starts one at once.
    Submissions that arrive while a batch is running queue up, and the next batch takes up to
    `max_batch` of them together: one transaction, one statement per table, one commit. (Two
    batches at once measured no faster on PostgreSQL and slower on SQLite.) So an idle hub
    answers as fast as before, and a busy one spends a transaction per batch instead of per
    letter. Every caller gets the answer it would have got alone: a command the domain refuses
    fails by itself, and if the batch's writes collide with a unique key, or the batch fails in
    any other way, each of its commands is run again alone.
    """

    def __init__(self, bus: MessageBus, *, max_batch: int = 64) -> None:
        self._bus = bus
        self._max_batch = max(1, max_batch)
        self._queue: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, cmd: commands.SubmitConfirmation) -> Submitted:
        """Submit one command; its Submitted, or the error its handler raised."""
        if self._max_batch == 1:
            result: Submitted = await self._bus.handle(cmd)
            return result
        answer: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(cmd, answer))
        if self._drainer is None or self._drainer.done():
            # A clean context: the batch serves many requests, not the one that started it.
            self._drainer = asyncio.create_task(self._drain(), context=contextvars.Context())
        return await answer

    async def close(self) -> None:
        """Wait for the batches in flight (the callers waiting on them are answered)."""
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
            try:
                await self._commit(batch)
            except asyncio.CancelledError:  # the loop is closing: no caller may wait for ever
                left, self._queue = batch + self._queue, []
                for p in left:
                    _answer(p, error=asyncio.CancelledError())
                raise
            except Exception as e:  # _commit answers each itself; this is the last resort
                log.exception("submission_batch_failed", size=len(batch))
                for p in batch:
                    _answer(p, error=e)

    async def _commit(self, batch: list[_Pending]) -> None:
        if len(batch) == 1:
            await self._alone(batch[0])
            return
        bus = self._bus
        try:
            async with bus.uow_factory() as uow:
                outcomes = await submit_confirmations([p.cmd for p in batch], uow, bus.deps)
                await uow.commit()
        except Exception as e:
            log.info("submission_batch_split", size=len(batch),
                     reason=f"{type(e).__name__}: {e}")
            await asyncio.gather(*(self._alone(p) for p in batch))
            return
        for p, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, HubError):
                _answer(p, error=outcome)
            else:
                _answer(p, result=outcome)

    async def _alone(self, p: _Pending) -> None:
        try:
            result = await self._bus.handle(p.cmd)
        except Exception as e:
            _answer(p, error=e)
        else:
            _answer(p, result=result)


def _answer(p: _Pending, *, result: Submitted | None = None,
            error: BaseException | None = None) -> None:
    if p.answer.done():  # the caller went away (its request was cancelled)
        return
    if isinstance(error, asyncio.CancelledError):
        p.answer.cancel()
    elif error is not None:
        p.answer.set_exception(error)
    else:
        assert result is not None
        p.answer.set_result(result)
