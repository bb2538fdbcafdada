"""Makes the signed letter: render it, sign it as the audited entity, then as the firm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from hub.domain.model import Confirmation
from signing import KeyStore, Level, LocalTsa, SignJob, devpki, sign_off_loop

log = structlog.get_logger(__name__)

Render = Callable[[Confirmation, str], bytes]
"""(confirmation, audited entity's name) -> the unsigned letter PDF; CPU-bound."""

CLIENT_FIELD = "ClientAuthorisation"
FIRM_FIELD = "FirmSeal"


class Keyring(Protocol):
    """Which key signs for an organisation, the time-stamping authority, revocation data."""

    async def key_for(self, org_id: str, org_name: str) -> tuple[KeyStore, str]: ...
    async def tsa(self) -> LocalTsa: ...
    async def crls(self) -> tuple[bytes, ...]: ...


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

    async def _open(self) -> devpki.DevPki:
        if self._pki is None:
            self._pki = await asyncio.to_thread(
                devpki.init, self.directory, base_url=self.base_url
            )
        return self._pki

    async def key_for(self, org_id: str, org_name: str) -> tuple[KeyStore, str]:
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
        return store, alias

    async def tsa(self) -> LocalTsa:
        async with self._lock:
            pki = await self._open()
            store = self._stores.get("tsa") or self._stores.setdefault("tsa", pki.key_store())
        return LocalTsa(store, "tsa")

    async def crls(self) -> tuple[bytes, ...]:
        pki = await self._open()
        return await asyncio.to_thread(pki.crls)


def _leaves(pki: devpki.DevPki) -> set[str]:
    leaf = pki.directory / "leaf"
    return {p.name.split(".")[0] for p in leaf.iterdir()} if leaf.is_dir() else set()


class SignedLetterMaker:
    """hub.ports.LetterMaker: the authorisation signature first, the firm's second, each an
    incremental update that keeps the one before it valid. Rendering and signing run in
    `executor` (default: the loop's thread pool), never on the event loop."""

    def __init__(self, render: Render, keyring: Keyring, *, level: Level = Level.B_T,
                 tsa_url: str | None = None, executor: Executor | None = None) -> None:
        self._render = render
        self._keys = keyring
        self._level = level
        self._tsa_url = tsa_url or None
        self._executor = executor

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        loop = asyncio.get_running_loop()
        pdf = await loop.run_in_executor(self._executor, self._render, confirmation,
                                         client_name)
        signers = (
            (confirmation.client_org_id, client_name, CLIENT_FIELD,
             "被审计单位授权 / authorised by the audited entity"),
            (confirmation.firm_org_id, firm_name, FIRM_FIELD,
             "会计师事务所函证 / confirmation request of the audit firm"),
        )
        tsa: LocalTsa | str = self._tsa_url or await self._keys.tsa()
        crls = await self._keys.crls() if self._level in (Level.B_LT, Level.B_LTA) else ()
        for org_id, name, field, reason in signers:
            store, alias = await self._keys.key_for(org_id, name)
            job = SignJob(store=store, alias=alias, level=self._level, tsa=tsa,
                          field_name=field, reason=reason, crls=crls, allow_fetching=False)
            pdf = await sign_off_loop(pdf, job, self._executor)
        return pdf
