"""Seals a portal reply (or an unanswered negative letter's record) with the hub's key."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, Protocol

from signing import KeyStore, Level, LocalTsa, SignJob, sign_off_loop

HUB_FIELD = "HubSeal"

Render = Callable[[dict[str, Any]], bytes]
"""(the reply record) -> the unsealed PDF; CPU-bound."""


class HubKeyring(Protocol):
    """The hub's own sealing key, its time-stamping authority and revocation data."""

    async def hub_seal(self) -> tuple[KeyStore, str]: ...
    async def tsa(self) -> LocalTsa: ...
    async def crls(self) -> tuple[bytes, ...]: ...


class SealedPortalReplyMaker:
    """hub.ports.PortalReplyMaker: renders off the event loop, then seals (PAdES, time-stamped)
    with the hub's certificate, as the workpapers are."""

    def __init__(self, render: Render, keyring: HubKeyring, *, level: Level = Level.B_LT,
                 executor: Executor | None = None) -> None:
        self._render = render
        self._keys = keyring
        self._level = level
        self._executor = executor

    async def make(self, record: dict[str, Any]) -> bytes:
        loop = asyncio.get_running_loop()
        unsealed = await loop.run_in_executor(self._executor, self._render, record)
        store, alias = await self._keys.hub_seal()
        crls = await self._keys.crls() if self._level in (Level.B_LT, Level.B_LTA) else ()
        reason = ("电子函证中心门户回函 / company reply made on the hub's portal"
                  if record.get("kind") == "reply"
                  else "电子函证中心未回函记录 / no reply to a negative letter")
        job = SignJob(store=store, alias=alias, level=self._level, tsa=await self._keys.tsa(),
                      field_name=HUB_FIELD, reason=reason, crls=tuple(crls),
                      allow_fetching=False)
        return await sign_off_loop(unsealed, job, self._executor)
