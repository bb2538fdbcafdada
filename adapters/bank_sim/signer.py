"""The reference bank's signing identity: its leaf certificate in the hub's development PKI."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import structlog

from hub.documents import SignatureBox
from signing import KeyStore, Level, LocalTsa, SignJob, devpki, sign_off_loop

__all__ = ["DEFAULT_ALIAS", "FIELD_NAME", "BankSigner"]

log = structlog.get_logger(__name__)

DEFAULT_ALIAS = "bank-sim"
"""The bank's alias in the development PKI (its key and certificate files in leaf/)."""

FIELD_NAME = "BankSeal"
"""The reply's signature field (the letter's are ClientAuthorisation and FirmSeal)."""

_REASON = "银行询证函回函 / bank confirmation reply"


@dataclass(frozen=True)
class BankSigner:
    """Signs reply PDFs as the bank: PAdES at `level`, time-stamped by the dev PKI's TSA.

    Never for production: the key is a file of the development PKI.
    """

    pki: devpki.DevPki
    store: KeyStore
    alias: str
    certificate_pem: str
    """The bank's signing certificate: what an admin registers in the responder registry."""
    level: Level = Level.B_T
    tsa_url: str | None = None
    """An RFC 3161 server to stamp with; default: the PKI's own TSA key, in process."""
    executor: Executor | None = None
    """Where signing runs (default: the loop's thread pool), never on the event loop."""

    @classmethod
    def from_pki(cls, pki_dir: str | Path, alias: str = DEFAULT_ALIAS, *,
                 bank_name: str = "参考银行", bank_uscc: str | None = None,
                 level: Level = Level.B_T, tsa_url: str | None = None,
                 executor: Executor | None = None) -> BankSigner:
        """The signer `alias` of the hub's development PKI in `pki_dir`.

        The PKI must exist (the hub makes it: `hub pki init`, or on first use); the bank's
        leaf certificate is issued on first use, for `bank_name` (and its 统一社会信用代码).
        Blocking (files, key generation): call it in a thread from async code.
        """
        pki = devpki.load(Path(pki_dir))
        if not pki.certificate_path(alias).exists():
            subject = devpki.Subject(alias, devpki.fit(bank_name, keep="函证专用章"), bank_name,
                                     organization_id=bank_uscc)
            devpki.issue(pki, subject)
            log.info("bank_certificate_issued", alias=alias, pki_dir=str(pki.directory))
        pem = pki.certificate_path(alias).read_text("ascii")
        return cls(pki, pki.key_store(), alias, pem, level, tsa_url, executor)

    async def sign(self, pdf: bytes, box: SignatureBox | None = None) -> bytes:
        """`pdf` signed by the bank in the field FIELD_NAME, as an incremental update.

        `box` is the reply's "responder" seal area. signing's API places only invisible
        signature fields for now, so the signature has no appearance in it yet.
        """
        tsa: LocalTsa | str = self.tsa_url or LocalTsa(self.store, "tsa")
        long_term = self.level.rank >= Level.B_LT.rank
        # B-LT embeds the PKI's current CRLs: the bank need not reach its distribution points.
        crls = await asyncio.to_thread(self.pki.crls) if long_term else ()
        job = SignJob(store=self.store, alias=self.alias, level=self.level, tsa=tsa,
                      field_name=FIELD_NAME, reason=_REASON, crls=crls,
                      allow_fetching=not long_term)
        return await sign_off_loop(pdf, job, self.executor)
