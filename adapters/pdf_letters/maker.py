"""Makes the signed letter: render it, sign it as the audited entity, then as the firm."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import structlog

from adapters.pdf_letters.sealing import EMBEDS_CRLS, Keyring, rendered, sign_job
from hub.domain.model import Confirmation
from signing import KeyStore, Level, LocalTsa, devpki, sign_off_loop

log = structlog.get_logger(__name__)

Render = Callable[[Confirmation, str], bytes]
"""(confirmation, audited entity's name) -> the unsigned letter PDF; CPU-bound."""

CLIENT_FIELD = "ClientAuthorisation"
FIRM_FIELD = "FirmSeal"


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
        self._store: KeyStore | None = None
        """One store for every key; made anew after a certificate is issued."""
        self._ready: set[str] = set()
        """Aliases known to have a certificate."""

    async def pki(self) -> devpki.DevPki:
        """The development PKI, made (or opened) on first use, once per process."""
        async with self._lock:
            return await self._open()

    async def _open(self) -> devpki.DevPki:
        if self._pki is None:
            self._pki = await asyncio.to_thread(self._init)
        return self._pki

    async def _key_store(self, alias: str, subject: devpki.Subject | None = None) -> KeyStore:
        """The store, once `alias` has a certificate (issued now for `subject` if need be)."""
        async with self._lock:
            pki = await self._open()
            if alias not in self._ready:
                if subject is not None and await asyncio.to_thread(self._issue, pki, subject):
                    self._store = None
                    log.info("dev_certificate_issued", alias=alias)
                elif subject is not None:
                    self._store = None  # another process may have issued it meanwhile
                self._ready.add(alias)
            if self._store is None:
                self._store = pki.key_store()
            return self._store

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Across processes (several workers share the PKI): one at a time makes or issues."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with open(self.directory.with_name(self.directory.name + ".lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _init(self) -> devpki.DevPki:
        with self._exclusive():
            return devpki.init(self.directory, base_url=self.base_url)

    def _issue(self, pki: devpki.DevPki, subject: devpki.Subject) -> bool:
        """Issue `subject`'s certificate unless it exists; True if issued now. Blocking."""
        with self._exclusive():
            if subject.alias in _leaves(pki):
                return False
            devpki.issue(pki, subject)
            return True

    async def key_for(self, org_id: str, org_name: str) -> tuple[KeyStore, str]:
        # One certificate per name an organisation is given: a firm's name for its client
        # is on that firm's letters only, never on another firm's.
        alias = f"org-{org_id}-{hashlib.sha256(org_name.encode()).hexdigest()[:12]}"
        subject = devpki.Subject(alias, devpki.fit(org_name, keep="电子签章"), org_name)
        return await self._key_store(alias, subject), alias

    async def tsa(self) -> LocalTsa:
        return LocalTsa(await self._key_store("tsa"), "tsa")

    async def hub_seal(self) -> tuple[KeyStore, str]:
        """The hub's own sealing key (workpapers, portal replies)."""
        return await self._key_store("hub"), "hub"

    async def crls(self) -> tuple[bytes, ...]:
        pki = await self.pki()
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
        pdf = await rendered(self._executor, self._render, confirmation, client_name)
        signers = (
            (confirmation.client_org_id, client_name, CLIENT_FIELD,
             "被审计单位授权 / authorised by the audited entity"),
            (confirmation.firm_org_id, firm_name, FIRM_FIELD,
             "会计师事务所函证 / confirmation request of the audit firm"),
        )
        tsa: LocalTsa | str = self._tsa_url or await self._keys.tsa()
        crls = await self._keys.crls() if self._level in EMBEDS_CRLS else ()
        for org_id, name, field, reason in signers:
            job = await sign_job(self._keys, await self._keys.key_for(org_id, name),
                                 self._level, field_name=field, reason=reason, tsa=tsa,
                                 crls=crls)
            pdf = await sign_off_loop(pdf, job, self._executor)
        return pdf
