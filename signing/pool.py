"""Signing and validating off the event loop, in a thread or a worker process."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509
from pyhanko.sign.timestamps import TimeStamper

from signing._reportjson import report_from_json, report_to_json
from signing._reports import REPORTS, ReportStore
from signing.keys import KeyStore
from signing.pades import Level, async_sign_pdf, revinfo_context
from signing.report import ValidationReport
from signing.tsa import LocalTimeStamper, TimeStampAuthority, http_timestamper
from signing.validation import report_key, validate_pdf, validate_pdf_until

__all__ = ["LocalTsa", "SignJob", "sign_off_loop", "validate_off_loop", "validate_shared"]


@dataclass(frozen=True)
class LocalTsa:
    """An in-process TSA named by its key store and alias; built once per process."""

    store: KeyStore
    alias: str = "tsa"


@dataclass(frozen=True)
class SignJob:
    """What to sign with and how; picklable, so it can go to a process pool."""

    store: KeyStore
    """The key store holding the signer's key."""
    alias: str
    """The signer's alias in ``store``."""
    level: Level = Level.B_T
    tsa: LocalTsa | str | None = None
    """The in-process TSA, or the URL of an HTTP TSA; needed from B-T up."""
    field_name: str = "Signature1"
    reason: str | None = None
    location: str | None = None
    trust_roots: tuple[bytes, ...] = ()
    """DER roots to gather B-LT validation data against; default: the signer chain's root."""
    crls: tuple[bytes, ...] = ()
    """DER CRLs to embed at B-LT and above (besides those fetched)."""
    allow_fetching: bool = True
    """Whether B-LT signing may fetch CRLs from the certificates' distribution points."""
    bytes_reserved: int | None = None


_STAMPERS: dict[LocalTsa, LocalTimeStamper] = {}
_STAMPERS_LOCK = threading.Lock()


async def _timestamper(tsa: LocalTsa | str | None) -> TimeStamper | None:
    if tsa is None:
        return None
    if isinstance(tsa, str):
        return http_timestamper(tsa)
    stamper = _STAMPERS.get(tsa)
    if stamper is None:
        authority = await TimeStampAuthority.from_key_store(tsa.store, tsa.alias)
        with _STAMPERS_LOCK:
            stamper = _STAMPERS.setdefault(tsa, LocalTimeStamper(authority))
    return stamper


async def _sign(pdf_bytes: bytes, job: SignJob) -> bytes:
    signer = await job.store.signer(job.alias)
    context = None
    long_term = job.level in (Level.B_LT, Level.B_LTA)
    if long_term and (job.trust_roots or job.crls or not job.allow_fetching):
        roots = [x509.Certificate.load(r) for r in job.trust_roots]
        if not roots:
            roots = [c for c in signer.cert_registry if c.self_signed != "no"]
        context = revinfo_context(roots, crls=job.crls, allow_fetching=job.allow_fetching)
    try:
        return await async_sign_pdf(
            pdf_bytes,
            signer=signer,
            level=job.level,
            timestamper=await _timestamper(job.tsa),
            validation_context=context,
            field_name=job.field_name,
            reason=job.reason,
            location=job.location,
            bytes_reserved=job.bytes_reserved,
        )
    finally:
        if context is not None:
            await context.aclose()


def _run(pdf_bytes: bytes, job: SignJob) -> bytes:
    return asyncio.run(_sign(pdf_bytes, job))


def _validate(pdf_bytes: bytes, kwargs: dict[str, Any]) -> ValidationReport:
    return asyncio.run(validate_pdf(pdf_bytes, **kwargs))


def _validate_until(pdf_bytes: bytes,
                    kwargs: dict[str, Any]) -> tuple[ValidationReport, datetime | None]:
    return asyncio.run(validate_pdf_until(pdf_bytes, **kwargs))


async def sign_off_loop(pdf_bytes: bytes, job: SignJob, executor: Executor | None = None) -> bytes:
    """Sign in ``executor`` (default: the loop's thread pool) and return the signed PDF.

    In a thread the caller's key store and its cached keys are shared; in a
    ``ProcessPoolExecutor`` each worker process loads every key once and reuses it.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, _run, pdf_bytes, job)


async def validate_off_loop(
    pdf_bytes: bytes, executor: Executor | None = None, **kwargs: Any
) -> ValidationReport:
    """:func:`signing.validate_pdf` run in ``executor`` (default: the loop's thread pool).

    Validation costs tens of milliseconds of CPU per signature; this keeps the loop free.
    The keyword arguments are those of ``validate_pdf`` (picklable, for a process pool).
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, _validate, pdf_bytes, kwargs)


async def validate_shared(
    pdf_bytes: bytes, store: ReportStore, executor: Executor | None = None, **kwargs: Any
) -> ValidationReport:
    """:func:`validate_off_loop`, reusing a report another process put in ``store``.

    A report is taken from the store only under the key of the same bytes and trust settings
    (``signing.validation.report_key``) and while it holds (``until``: a report "now" for at
    most five minutes and never past the next update of a CRL it was made with); one that
    cannot be read back is made afresh. Without a key (fetching, ``reuse=False``) the store is
    not used at all.
    """
    key = report_key(pdf_bytes, **kwargs)
    if key is not None:
        mine = REPORTS.get(key)
        if mine is not None:
            return mine
        found = await store.get(key)
        if found is not None and (found[1] is None or datetime.now(UTC) < found[1]):
            try:
                report = report_from_json(found[0])
            except ValueError:
                pass
            else:
                REPORTS.put(key, report, found[1])
                return report
    loop = asyncio.get_running_loop()
    report, until = await loop.run_in_executor(executor, _validate_until, pdf_bytes, kwargs)
    if key is not None:
        await store.put(key, report_to_json(report), until)
    return report
