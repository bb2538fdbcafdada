"""Use case: an auditor notes an alternative procedure (替代程序) on a confirmation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hub.domain import commands, events
from hub.domain.errors import Conflict, Forbidden, NotFound
from hub.domain.procedures import AlternativeProcedure, clean_note
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps


@dataclass(frozen=True)
class Noted:
    procedure: AlternativeProcedure
    replayed: bool


async def note_procedure(cmd: commands.NoteProcedure, uow: UnitOfWork, deps: Deps) -> Noted:
    """Append a note to a confirmation of the caller's firm; it also enters the history.
    A retry with the same Idempotency-Key and body returns the note first made."""
    if not cmd.caller.is_firm:
        raise Forbidden("only a firm's auditor or firm_admin key may note procedures")
    c = await uow.confirmations.get(cmd.confirmation_id, cmd.caller)
    if c is None:
        raise NotFound("no such confirmation")
    text, conclusion = clean_note(cmd.text, cmd.conclusion)
    if cmd.idempotency_key is not None:
        earlier = await uow.procedures.by_idempotency_key(c.id, cmd.idempotency_key)
        if earlier is not None:
            if (earlier.text, earlier.conclusion) != (text, conclusion):
                raise Conflict("this Idempotency-Key was used with a different note",
                               field="Idempotency-Key")
            return Noted(earlier, replayed=True)
    now = deps.clock.now()
    procedure = AlternativeProcedure(
        id=str(uuid.uuid4()), confirmation_id=c.id, text=text, conclusion=conclusion,
        noted_by=cmd.caller.actor, noted_at=now, idempotency_key=cmd.idempotency_key)
    await uow.procedures.add(procedure)
    uow.record(events.ProcedureNoted(
        at=now, actor=cmd.caller.actor, confirmation_id=c.id, firm_org_id=c.firm_org_id,
        procedure_id=procedure.id, text=text, conclusion=conclusion))
    return Noted(procedure, replayed=False)


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.NoteProcedure: note_procedure,
}
