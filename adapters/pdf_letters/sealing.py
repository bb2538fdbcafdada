"""The one way a document the hub makes gets signed: rendered off the event loop, then a
SignJob with the key, the time-stamping authority and the revocation data to embed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol

from signing import KeyStore, Level, LocalTsa, SignJob

HUB_FIELD = "HubSeal"
"""The field of the hub's own seal (workpapers, portal replies)."""

EMBEDS_CRLS = frozenset({Level.B_LT, Level.B_LTA})


class Keyring(Protocol):
    """The keys documents are signed with: an organisation's (letters), the hub's own seal,
    the time-stamping authority, and the revocation data to embed."""

    async def key_for(self, org_id: str, org_name: str) -> tuple[KeyStore, str]: ...
    async def hub_seal(self) -> tuple[KeyStore, str]: ...
    async def tsa(self) -> LocalTsa: ...
    async def crls(self) -> tuple[bytes, ...]: ...


async def rendered(executor: Executor | None, render: Callable[..., bytes], *args: Any
                   ) -> bytes:
    """`render(*args)` in `executor` (default: the loop's thread pool): PDFs are CPU-bound."""
    return await asyncio.get_running_loop().run_in_executor(executor, render, *args)


async def sign_job(keys: Keyring, key: tuple[KeyStore, str], level: Level, *, field_name: str,
                   reason: str, tsa: LocalTsa | str | None = None,
                   crls: Sequence[bytes] | None = None) -> SignJob:
    """The job signing with `key` at `level`: time-stamped by `tsa` (the keyring's own by
    default), with `crls` embedded (the keyring's at B-LT and B-LTA by default); never
    fetching anything over the network."""
    if crls is None:
        crls = await keys.crls() if level in EMBEDS_CRLS else ()
    store, alias = key
    return SignJob(store=store, alias=alias, level=level, tsa=tsa or await keys.tsa(),
                   field_name=field_name, reason=reason, crls=tuple(crls),
                   allow_fetching=False)


async def hub_seal_job(keys: Keyring, level: Level, *, reason: str,
                       crls: Sequence[bytes] | None = None) -> SignJob:
    """The job sealing a document with the hub's own certificate."""
    return await sign_job(keys, await keys.hub_seal(), level, field_name=HUB_FIELD,
                          reason=reason, crls=crls)
