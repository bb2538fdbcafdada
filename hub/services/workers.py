"""What the hub's own workers do with each message type that reaches their queue."""

from __future__ import annotations

import structlog

from hub.domain.jobs import JOBS
from hub.ports import Envelope, MessageHandler, UnitOfWork
from hub.services.messagebus import MessageBus

log = structlog.get_logger(__name__)

def jobs_handler(bus: MessageBus) -> MessageHandler:
    """The handler of the `hub.jobs` queue; runs inside the consumer's unit of work."""

    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        job = JOBS.get(envelope.routing_key)
        if job is None:
            log.debug("job_ignored", type=envelope.type, routing_key=envelope.routing_key)
            return
        await bus.handle_in(job(envelope.data), uow)

    return handle
