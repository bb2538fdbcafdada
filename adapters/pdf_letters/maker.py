"""Makes the signed letter: render it, sign it as the audited entity, then as the firm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import structlog

from hub.domain.model import Confirmation
from signing import KeyStore, Level, LocalTimeStamper, TimeStampAuthority, async_sign_pdf, devpki

log = structlog.get_logger(__name__)

Render = Callable[[Confirmation, str], bytes]
"""(confirmation, audited entity's name) -> the unsigned letter PDF; CPU-bound."""

CLIENT_FIELD = "ClientAuthorisation"
FIRM_FIELD = "FirmSeal"


class Keyring(Protocol):
    """Which key signs for an organisation, and the time-stamping authority to use."""

    async def signer_for(self, org_id: str, org_name: str) -> Any: ...
    async def timestamper(self) -> Any: ...


@dataclass
class DevKeyring:
    """Keys from the development PKI in `directory`, made on first use (never for production).

    Every organisation gets its own leaf certificate, issued when it first signs, with its
    name in the subject; the PKI's own time-stamping authority stamps the signatures.
    """

    directory: Path
    base_url: str = "http://127.0.0.1:8080/pki"

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()
        self._pki: devpki.DevPki | None = None
        self._stores: dict[str, KeyStore] = {}
        self._stamper: LocalTimeStamper | None = None

    async def _open(self) -> devpki.DevPki:
        if self._pki is None:
            self._pki = await asyncio.to_thread(
                devpki.init, self.directory, base_url=self.base_url
            )
        return self._pki

    async def signer_for(self, org_id: str, org_name: str) -> Any:
        alias = f"org-{org_id}"
        async with self._lock:
            store = self._stores.get(alias)
            if store is None:
                pki = await self._open()
                if alias not in _leaves(pki):
                    await asyncio.to_thread(
                        devpki.issue, pki, devpki.Subject(alias, f"{org_name}电子签章", org_name)
                    )
                    log.info("dev_certificate_issued", org_id=org_id)
                store = self._stores[alias] = pki.key_store()
        return await store.signer(alias)

    async def timestamper(self) -> Any:
        async with self._lock:
            if self._stamper is None:
                pki = await self._open()
                tsa = await TimeStampAuthority.from_key_store(pki.key_store(), "tsa")
                self._stamper = LocalTimeStamper(tsa)
        return self._stamper


def _leaves(pki: devpki.DevPki) -> set[str]:
    leaf = pki.directory / "leaf"
    return {p.name.split(".")[0] for p in leaf.iterdir()} if leaf.is_dir() else set()


class SignedLetterMaker:
    """hub.ports.LetterMaker: the authorisation signature first, the firm's second, each an
    incremental update that keeps the one before it valid (PAdES B-T, time-stamped)."""

    def __init__(self, render: Render, keyring: Keyring, *, level: Level = Level.B_T,
                 executor: Executor | None = None) -> None:
        self._render = render
        self._keys = keyring
        self._level = level
        self._executor = executor

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        loop = asyncio.get_running_loop()
        pdf = await loop.run_in_executor(self._executor, self._render, confirmation,
                                         client_name)
        stamper = await self._keys.timestamper()
        pdf = await async_sign_pdf(
            pdf, signer=await self._keys.signer_for(confirmation.client_org_id, client_name),
            level=self._level, timestamper=stamper, field_name=CLIENT_FIELD,
            reason="被审计单位授权 / authorised by the audited entity",
        )
        return await async_sign_pdf(
            pdf, signer=await self._keys.signer_for(confirmation.firm_org_id, firm_name),
            level=self._level, timestamper=stamper, field_name=FIRM_FIELD,
            reason="会计师事务所函证 / confirmation request of the audit firm",
        )
