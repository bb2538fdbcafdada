"""From pyHanko's status objects to the report's findings: coverage, changes, level, problems."""

from __future__ import annotations

from pyhanko.sign.diff_analysis import DiffResult
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    ModificationInfo,
    SignatureCoverageLevel,
    SignatureStatus,
)

from signing._explain import problem, subject_of
from signing._policy import Document
from signing.pades import Level
from signing.report import Coverage, Modification, Problem, TimestampInfo

__all__ = [
    "REVOKED",
    "TIMESTAMP",
    "chain_of",
    "chain_ok",
    "coverage_of",
    "has_signature_timestamp",
    "integrity_problems",
    "level_of",
    "modification_of",
    "timestamp_of",
]

REVOKED = problem("revoked", "签名证书已被吊销 / the signer's certificate was revoked")
TIMESTAMP = problem(
    "timestamp", "签名时间戳无效或不可信 / the signature time-stamp is invalid or untrusted"
)
_NOT_INTACT = problem(
    "not_intact", "签名覆盖的内容已被更改 / the signed content was altered (digest mismatch)"
)
_BAD_SIGNATURE = problem(
    "bad_signature", "签名值无法验证 / the cryptographic signature does not verify"
)
_PARTIAL = problem(
    "coverage", "签名未覆盖其完整修订版本 / the signature does not cover its whole revision"
)
_DOCMDP = problem(
    "modified",
    "签名后的修改违反其修改许可 / changes after signing break the signature's DocMDP rules",
)
_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: Coverage.WHOLE_FILE,
    SignatureCoverageLevel.ENTIRE_REVISION: Coverage.REVISION,
}


def chain_of(status: SignatureStatus | None) -> tuple[str, ...]:
    """Subjects from the trust anchor down to the signer, if a trusted path was found."""
    if status is None or status.validation_path is None:
        return ()
    return tuple(subject_of(c) for c in status.validation_path.iter_certs(include_root=True))


def chain_ok(status: SignatureStatus) -> bool:
    """Intact, valid and trusted, and so is its signature time-stamp if it has one."""
    stamp = getattr(status, "timestamp_validity", None)
    return status.trusted and (stamp is None or stamp.trusted)


def modification_of(info: ModificationInfo) -> tuple[Modification | None, str | None]:
    """What was changed after signing, and pyHanko's explanation when it objects."""
    level = info.modification_level
    detail = None
    if info.diff_result is not None and not isinstance(info.diff_result, DiffResult):
        # pyHanko's explanation can run to many lines of object references; its first is enough.
        detail = str(info.diff_result).strip().splitlines()[0][:200]
    return (Modification[level.name] if level is not None else None), detail


def coverage_of(info: ModificationInfo) -> Coverage:
    return _COVERAGE.get(info.coverage, Coverage.PARTIAL) if info.coverage else Coverage.PARTIAL


def integrity_problems(
    info: ModificationInfo, intact: bool, valid: bool, allowed: Modification
) -> list[Problem]:
    """Altered bytes, a bad signature value, odd coverage, or changes beyond ``allowed``."""
    found = []
    if not intact:
        found.append(_NOT_INTACT)
    elif not valid:
        found.append(_BAD_SIGNATURE)
    if info.coverage not in _COVERAGE:
        found.append(_PARTIAL)
    level, detail = modification_of(info)
    if level is None and info.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        level = Modification.OTHER  # later revisions that could not be analysed
    if level is not None and level.value > allowed.value:
        text = f"签名后文档被修改 / the document was changed after signing: {level.label}"
        found.append(problem("modified", text + (f" ({detail})" if detail else "")))
    elif info.docmdp_ok is False:
        found.append(_DOCMDP)
    return found


def timestamp_of(status: SignatureStatus | None) -> TimestampInfo | None:
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None:
        return None
    return TimestampInfo(stamp.timestamp, subject_of(stamp.signing_cert), stamp.trusted)


def has_signature_timestamp(sig: EmbeddedPdfSignature) -> bool:
    attrs = sig.signer_info["unsigned_attrs"]
    return any(a["type"].native == "signature_time_stamp_token" for a in attrs or ())


def level_of(sig: EmbeddedPdfSignature, document: Document, timestamped: bool) -> Level | None:
    """The PAdES baseline level the document gives this signature (None if not PAdES).

    B-LT needs the issuer's CRL in the DSS (we issue no OCSP); B-LTA a later document time-stamp.
    """
    if sig.sig_object.get("/SubFilter") != "/ETSI.CAdES.detached":
        return None
    if not timestamped:
        return Level.B_B
    issuer = sig.signer_cert.issuer
    if not any(crl.issuer == issuer for crl in document.dss_crls):
        return Level.B_T
    if any(rev > sig.signed_revision for rev in document.timestamp_revisions):
        return Level.B_LTA
    return Level.B_LT
