"""What a channel adapter notes in a confirmation's history while its delivery is retried or
given up (letters to banks and companies, workpapers to audit software)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from hub.domain.commands import Command, RecordDeliveryFailure, RecordDeliveryPending
from hub.ports import CommandBus, Envelope


class DeliveryNotes:
    """The consumer's on_retry and on_parked for a channel adapter that holds `_bus`."""

    _bus: CommandBus
    actor: str
    failure: ClassVar[Callable[..., Command]] = RecordDeliveryFailure
    """The command that records a delivery given up (the letter's, by default)."""

    async def retrying(self, envelope: Envelope, reason: str, attempt: int,
                       retry_hours: float) -> None:
        """Note on the letter, after its first failed attempt, that delivery is pending (the
        consumer's on_retry): the firm sees it while the retries go on."""
        confirmation_id = envelope.data.get("confirmation_id")
        if attempt == 1 and isinstance(confirmation_id, str) \
                and envelope.type == "letter.dispatched":
            await self._bus.handle(RecordDeliveryPending(
                confirmation_id=confirmation_id, reason=reason, actor=self.actor,
                retry_hours=retry_hours))

    async def parked(self, envelope: dict[str, Any], reason: str) -> None:
        """Note on the confirmation that its delivery gave up (the consumer's on_parked)."""
        confirmation_id = envelope.get("data", {}).get("confirmation_id")
        if isinstance(confirmation_id, str):
            await self._bus.handle(self.failure(
                confirmation_id=confirmation_id, reason=reason, actor=self.actor))
