"""Checks a reply PDF (hub.ports.ReplyChecker): a whole, valid, trusted signature, its binding."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from asn1crypto import x509

from hub.domain.replies import parse_binding
from hub.ports import ReplyCheck
from signing import NoReportStore, ReportStore, SignatureKind, document_info, validate_shared

TrustSource = Callable[[], Awaitable[tuple[Sequence[x509.Certificate], Sequence[bytes]]]]
"""() -> (trust roots, CRLs) the replies are validated against."""


class SignedReplyChecker:
    """Validates with signing.validate_pdf off the event loop (a report another process made of
    the same bytes and trust settings is reused from `reports`); the newest signature must be
    intact, valid, trusted and cover every byte of the file (nothing added after it)."""

    def __init__(self, trust: TrustSource, *, at: Callable[[], datetime] | None = None,
                 allow_fetching: bool = False, reports: ReportStore | None = None) -> None:
        self._trust = trust
        self._at = at
        self._allow_fetching = allow_fetching
        self._reports = reports or NoReportStore()

    async def check(self, pdf: bytes) -> ReplyCheck:
        roots, crls = await self._trust()
        report = await validate_shared(
            pdf, self._reports, trust_roots=list(roots), crls=list(crls),
            allow_fetching=self._allow_fetching, at=self._at() if self._at is not None else None)
        problems = [p.message for p in report.problems]
        signatures = [s for s in report.signatures if s.kind is SignatureKind.SIGNATURE]
        if not signatures:
            return ReplyCheck(tuple(problems) or ("the reply is not signed",), None, None, {})
        last = signatures[-1]
        problems += [p.message for p in last.problems]
        if not last.unchanged_since and not problems:
            problems.append("the reply was changed after it was signed")
        binding = parse_binding((await asyncio.to_thread(document_info, pdf)).get("Keywords"))
        return ReplyCheck(tuple(problems), last.signer, last.certificate_sha256 or None,
                          binding)
