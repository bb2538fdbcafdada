"""Use cases of a confirmation before its letter is made: asking for, expiring and cancelling."""

from __future__ import annotations

import structlog

from hub.domain import commands
from hub.domain.errors import NotFound
from hub.domain.model import SYSTEM_ACTOR, Confirmation
from hub.ports import UnitOfWork
from hub.services.deps import CommandHandler, Deps, require_firm

log = structlog.get_logger(__name__)


async def cancel_confirmation(
    cmd: commands.CancelConfirmation, uow: UnitOfWork, deps: Deps
) -> Confirmation:
    require_firm(cmd.caller)
    c = await uow.confirmations.get(cmd.confirmation_id, cmd.caller, for_update=True)
    if c is None:
        raise NotFound("no such confirmation")
    c.cancel(at=deps.clock.now(), actor=cmd.caller.actor, reason=cmd.reason)
    return c


def ask_authorisation(c: Confirmation, deps: Deps) -> None:
    """draft → awaiting_authorisation, due N working days from today."""
    due = deps.calendar.add_working_days(
        deps.clock.today(), deps.authorisation_window_working_days
    )
    c.request_authorisation(due=due, at=deps.clock.now(), actor=SYSTEM_ACTOR)


async def expire_authorisations(
    cmd: commands.ExpireAuthorisations, uow: UnitOfWork, deps: Deps
) -> list[str]:
    today = deps.clock.today()
    expired = []
    for cid in await uow.confirmations.due_for_expiry(today, cmd.limit):
        c = await uow.confirmations.get(cid, None, for_update=True)
        if c and c.expire_authorisation(today=today, at=deps.clock.now(), actor=SYSTEM_ACTOR):
            expired.append(c.id)
    return expired


HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.CancelConfirmation: cancel_confirmation,
    commands.ExpireAuthorisations: expire_authorisations,
}
