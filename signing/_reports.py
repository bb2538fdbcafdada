"""Validation reports kept by the document's SHA-256 and the trust settings: per process
(``REPORTS``), and between processes through a ``ReportStore`` (``signing.validate_shared``).

What the cache assumes: a report depends only on the exact bytes, the trust roots, the extra
certificates and CRLs given, the revocation and modification rules, and the validation time.
So the key holds the SHA-256 of the bytes and of each of those (a tampered document or other
trust material misses and is validated afresh). Nothing is kept when the validator may fetch
CRLs online (their answer can change at any time). A report at a fixed time is kept as it is;
a report "now" is reused for at most ``MAX_AGE`` and never after the next update of a CRL it was
given (a certificate revoked or expired since is then seen at the next validation).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from asn1crypto import crl as asn1_crl

from signing.report import ValidationReport

__all__ = ["MAX_AGE", "REPORTS", "NoReportStore", "ReportCache", "ReportStore", "expiry",
           "fingerprint"]

MAX_AGE = timedelta(minutes=5)
"""How long a report made at the current time is reused."""


def fingerprint(parts: Iterable[bytes | str]) -> str:
    """SHA-256 over length-prefixed parts (no two lists of parts share it)."""
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.hexdigest()


def expiry(made: datetime, crls: Iterable[asn1_crl.CertificateList]) -> datetime:
    """Until when a report made "now" at ``made`` may be reused."""
    until = made + MAX_AGE
    for c in crls:
        next_update = c["tbs_cert_list"]["next_update"].native
        if next_update is not None and next_update < until:
            until = next_update
    return until


class ReportCache:
    """A bounded, thread-safe map of key -> (report, reusable until; None: for good)."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[str, tuple[ValidationReport, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> ValidationReport | None:
        found = self.kept(key)
        return found[0] if found is not None else None

    def kept(self, key: str) -> tuple[ValidationReport, datetime | None] | None:
        """The report kept under ``key`` and until when it holds, if it still does."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and (found[1] is None or datetime.now(UTC) < found[1]):
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self._items.pop(key, None)
            self.misses += 1
            return None

    def put(self, key: str, report: ValidationReport, until: datetime | None) -> None:
        with self._lock:
            self._items[key] = (report, until)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


REPORTS = ReportCache()
"""This process's reports (``signing.validate_pdf`` looks here first)."""


class ReportStore(Protocol):
    """Reports shared between processes (a database table in the hub), as JSON text by the
    key above. The store keeps what it is given; ``signing.validate_shared`` decides whether a
    report still holds (its ``until``) before reusing it."""

    async def get(self, key: str) -> tuple[str, datetime | None] | None:
        """The report kept under ``key`` and until when it may be reused (None: for good)."""

    async def put(self, key: str, report: str, until: datetime | None) -> None:
        """Keep ``report`` under ``key`` (replacing any), reusable until ``until``."""


class NoReportStore:
    """A ReportStore that keeps nothing: each process validates for itself."""

    async def get(self, key: str) -> tuple[str, datetime | None] | None:
        return None

    async def put(self, key: str, report: str, until: datetime | None) -> None:
        return None
