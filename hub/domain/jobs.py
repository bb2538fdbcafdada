"""The work published events make for the hub's own workers, by routing key: the one list the
jobs queue is bound with and the workers act on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hub.domain import commands

JOBS: dict[str, Callable[[Mapping[str, Any]], commands.Command]] = {
    "confirmation.status.authorised":
        lambda d: commands.MakeLetter(confirmation_id=d["confirmation_id"]),
    "confirmation.status.verified":
        lambda d: commands.MakeWorkpaper(confirmation_id=d["confirmation_id"]),
    "reply.received": lambda d: commands.CheckReply(reply_id=d["reply_id"]),
}
"""Every message delivered to the jobs queue costs a transaction (its inbox row) even when
ignored, so the queue is bound to exactly these keys."""
