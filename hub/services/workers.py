"""What the hub's own workers do with each message type that reaches their queue."""

from __future__ import annotations

from typing import Any

import structlog

from hub.domain import commands
from hub.ports import Envelope, MessageHandler, UnitOfWork
from hub.services.messagebus import MessageBus

log = structlog.get_logger(__name__)

def jobs_handler(bus: MessageBus) -> MessageHandler:
    """The handler of the `hub.jobs` queue; runs inside the consumer's unit of work."""

    def command_for(envelope: Envelope) -> commands.Command | None:
        data: dict[str, Any] = envelope.data
        if envelope.type == "confirmation.status_changed":
            if data.get("to_status") == "authorised":
                return commands.MakeLetter(confirmation_id=data["confirmation_id"])
            if data.get("to_status") == "verified":
                return commands.MakeWorkpaper(confirmation_id=data["confirmation_id"])
        if envelope.type == "reply.received":
            return commands.CheckReply(reply_id=data["reply_id"])
        return None

    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        cmd = command_for(envelope)
        if cmd is None:
            log.debug("job_ignored", type=envelope.type)
            return
        await bus.handle_in(cmd, uow)

    return handle
