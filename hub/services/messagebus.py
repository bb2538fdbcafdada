"""The message bus: routes each command to its handler inside a unit of work and commits."""

from __future__ import annotations

from typing import Any

from hub.domain import commands
from hub.domain.errors import DuplicateIdempotencyKey
from hub.ports import UnitOfWork, UnitOfWorkFactory
from hub.services import (
    confirmations,
    exchange,
    key_admin,
    letters,
    organisations,
    portal,
    procedures,
    registry,
    submissions,
    webhooks,
    workpapers,
)
from hub.services.deps import CommandHandler, Deps

USE_CASES = (organisations, key_admin, submissions, confirmations, letters, registry,
             exchange, workpapers, procedures, webhooks, portal)
"""Every module of use cases; each lists its commands and their handlers in HANDLERS."""

HANDLERS: dict[type[commands.Command], CommandHandler] = {}
for _module in USE_CASES:
    _clash = HANDLERS.keys() & _module.HANDLERS.keys()
    assert not _clash, f"{_module.__name__} handles {_clash} again"
    HANDLERS.update(_module.HANDLERS)


class MessageBus:
    """One entry point for every use case."""

    def __init__(self, uow_factory: UnitOfWorkFactory, deps: Deps) -> None:
        self.uow_factory = uow_factory
        self.deps = deps

    async def handle(self, cmd: commands.Command) -> Any:
        """Run the command's handler in a fresh unit of work and commit it."""
        try:
            return await self._handle_once(cmd)
        except DuplicateIdempotencyKey:
            # Two requests with one key raced; the loser re-reads and compares the bodies.
            return await self._handle_once(cmd)

    async def _handle_once(self, cmd: commands.Command) -> Any:
        async with self.uow_factory() as uow:
            result = await self.handle_in(cmd, uow)
            await uow.commit()
            return result

    async def handle_in(self, cmd: commands.Command, uow: UnitOfWork) -> Any:
        """Run the handler inside a unit of work owned by the caller (a consumer), no commit."""
        handler = HANDLERS[type(cmd)]
        return await handler(cmd, uow, self.deps)
