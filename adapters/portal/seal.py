"""Seals a portal reply (or an unanswered negative letter's record) with the hub's key."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from adapters.pdf_letters.sealing import Keyring, hub_seal_job, rendered
from signing import Level, sign_off_loop

Render = Callable[[dict[str, Any]], bytes]
"""(the reply record) -> the unsealed PDF; CPU-bound."""


class SealedPortalReplyMaker:
    """hub.ports.PortalReplyMaker: renders off the event loop, then seals (PAdES, time-stamped)
    with the hub's certificate, as the workpapers are."""

    def __init__(self, render: Render, keyring: Keyring, *, level: Level = Level.B_LT,
                 executor: Executor | None = None) -> None:
        self._render = render
        self._keys = keyring
        self._level = level
        self._executor = executor

    async def make(self, record: dict[str, Any]) -> bytes:
        unsealed = await rendered(self._executor, self._render, record)
        reason = ("电子函证中心门户回函 / company reply made on the hub's portal"
                  if record.get("kind") == "reply"
                  else "电子函证中心未回函记录 / no reply to a negative letter")
        job = await hub_seal_job(self._keys, self._level, reason=reason)
        return await sign_off_loop(unsealed, job, self._executor)
