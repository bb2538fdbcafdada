"""Validate every signature of a PDF against given trust roots (PAdES/AdES rules) into a report."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.general import ValueErrorWithMessage
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import (
    AdESBasicValidationResult,
    AdESWithTimeValidationResult,
    _adobe_revinfo_archival_to_local_knowledge,
    _dss_to_local_knowledge,
    ades_basic_validation,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    bootstrap_validation_data_handlers,
)
from pyhanko.sign.validation.status import ModificationInfo, PdfSignatureStatus
from pyhanko_certvalidator.ltv.poe import POEManager
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from signing._explain import explain_chain, problem, subject_of
from signing._findings import (
    REVOKED,
    TIMESTAMP,
    chain_of,
    chain_ok,
    coverage_of,
    has_signature_timestamp,
    integrity_problems,
    level_of,
    modification_of,
    timestamp_of,
)
from signing._policy import Document, Settings, open_document
from signing._reports import REPORTS, expiry, fingerprint
from signing.report import (
    Coverage,
    Modification,
    Problem,
    RevocationCheck,
    SignatureKind,
    SignatureReport,
    TimestampInfo,
    ValidationReport,
)

__all__ = ["SignatureEntry", "list_signatures", "report_key", "validate_pdf", "validate_pdf_until"]


async def validate_pdf(
    pdf_bytes: bytes,
    *,
    trust_roots: Iterable[x509.Certificate],
    allow_fetching: bool,
    at: datetime | None = None,
    revocation: RevocationCheck = RevocationCheck.IF_DECLARED,
    allowed_modifications: Modification = Modification.FORM_FILLING,
    other_certs: Iterable[x509.Certificate] = (),
    crls: Iterable[bytes] = (),
    reuse: bool = True,
) -> ValidationReport:
    """Check every signature and document time-stamp of ``pdf_bytes``.

    ``at`` moves the validation time (default now); a signature whose certificate has expired
    by then still validates when the document carries the proof for it (B-LT: time-stamp and
    validation data; B-LTA: archive time-stamp). ``allow_fetching`` lets the validator fetch CRLs
    from the certificates' distribution points; certificates named in the document are never
    fetched. A change after a signature is accepted up to ``allowed_modifications`` (default:
    further signatures, form filling and validation data). Never raises for a bad document:
    the report says what is wrong with it.

    A report is made once per process for the same bytes and trust settings and reused
    (``reuse=False``: validate afresh); see ``signing._reports`` for what that assumes.
    """
    report, _ = await validate_pdf_until(
        pdf_bytes, trust_roots=trust_roots, allow_fetching=allow_fetching, at=at,
        revocation=revocation, allowed_modifications=allowed_modifications,
        other_certs=other_certs, crls=crls, reuse=reuse)
    return report


def report_key(
    pdf_bytes: bytes,
    *,
    trust_roots: Iterable[x509.Certificate],
    allow_fetching: bool,
    at: datetime | None = None,
    revocation: RevocationCheck = RevocationCheck.IF_DECLARED,
    allowed_modifications: Modification = Modification.FORM_FILLING,
    other_certs: Iterable[x509.Certificate] = (),
    crls: Iterable[bytes] = (),
    reuse: bool = True,
) -> str | None:
    """The key a report of these bytes and trust settings is kept by (see
    ``signing._reports``); None when it must not be kept (fetching, or ``reuse=False``)."""
    if not reuse or allow_fetching:
        return None
    return fingerprint([
        hashlib.sha256(pdf_bytes).digest(), "roots", *sorted(r.dump() for r in trust_roots),
        "others", *sorted(c.dump() for c in other_certs), "crls", *sorted(bytes(c) for c in crls),
        str(revocation), repr(allowed_modifications),
        at.isoformat() if at is not None else "now",
    ])


async def validate_pdf_until(
    pdf_bytes: bytes,
    *,
    trust_roots: Iterable[x509.Certificate],
    allow_fetching: bool,
    at: datetime | None = None,
    revocation: RevocationCheck = RevocationCheck.IF_DECLARED,
    allowed_modifications: Modification = Modification.FORM_FILLING,
    other_certs: Iterable[x509.Certificate] = (),
    crls: Iterable[bytes] = (),
    reuse: bool = True,
) -> tuple[ValidationReport, datetime | None]:
    """:func:`validate_pdf`, and until when its report may be reused (None: for good, as a
    report at a fixed time; meaningless when ``report_key`` gives None)."""
    roots, others, crl_ders = tuple(trust_roots), tuple(other_certs), tuple(crls)
    key = report_key(pdf_bytes, trust_roots=roots, allow_fetching=allow_fetching, at=at,
                     revocation=revocation, allowed_modifications=allowed_modifications,
                     other_certs=others, crls=crl_ders, reuse=reuse)
    if key is not None:
        kept = REPORTS.kept(key)
        if kept is not None:
            return kept
    report, loaded = await _validate(pdf_bytes, roots, others, crl_ders, allow_fetching, at,
                                     revocation, allowed_modifications)
    until = expiry(report.validation_time, loaded) if at is None else None
    if key is not None:
        REPORTS.put(key, report, until)
    return report, until


@dataclass(frozen=True)
class SignatureEntry:
    """A signature (or document time-stamp) of a PDF as :func:`validate_pdf` names it."""

    field_name: str
    kind: SignatureKind
    signer: str
    """The signer's certificate subject, readable; ``?`` when it cannot be read."""
    certificate_sha256: str
    """SHA-256 (hex) of the signer's certificate; empty when it cannot be read."""


def list_signatures(pdf_bytes: bytes) -> tuple[SignatureEntry, ...]:
    """The signatures of ``pdf_bytes`` with the names and certificates a report of
    :func:`validate_pdf` gives them, without validating any (a few ms instead of tens).

    Raises ``ValueError`` with the message of the report's ``unreadable`` problem when
    ``validate_pdf`` would find the PDF unreadable.
    """
    try:
        document = open_document(pdf_bytes)
        embedded = list(document.reader.embedded_signatures)
    except (PdfError, ValueError) as e:
        raise ValueError(_unreadable(e)) from None
    return tuple(_entry(sig) for sig in embedded)


def _entry(sig: EmbeddedPdfSignature) -> SignatureEntry:
    # As a report names a signature whether it validates or not (see _check and _broken).
    try:
        kind = (SignatureKind.DOCUMENT_TIMESTAMP if sig.sig_object_type == "/DocTimeStamp"
                else SignatureKind.SIGNATURE)
    except (ValueErrorWithMessage, PdfError, ValueError):
        kind = SignatureKind.SIGNATURE
    signer, fingerprint = _signer(sig)
    return SignatureEntry(str(sig.field_name), kind, signer, fingerprint)


def _signer(sig: EmbeddedPdfSignature) -> tuple[str, str]:
    try:
        return subject_of(sig.signer_cert), sig.signer_cert.sha256.hex()
    except (ValueErrorWithMessage, PdfError, ValueError, KeyError):
        return "?", ""


def _unreadable(e: Exception) -> str:
    return f"文件无法解析 / the PDF cannot be read: {e}"


async def _validate(
    pdf_bytes: bytes,
    trust_roots: tuple[x509.Certificate, ...],
    other_certs: tuple[x509.Certificate, ...],
    crls: tuple[bytes, ...],
    allow_fetching: bool,
    at: datetime | None,
    revocation: RevocationCheck,
    allowed_modifications: Modification,
) -> tuple[ValidationReport, tuple[asn1_crl.CertificateList, ...]]:
    """The report and the CRLs it was made with (the document's own among them)."""
    timing = (
        ValidationTimingInfo(at, at, point_in_time_validation=True)
        if at is not None
        else ValidationTimingInfo.now(tz=UTC)
    )
    settings = Settings(
        trust_roots=trust_roots,
        timing=timing,
        allow_fetching=allow_fetching,
        revocation=revocation,
        allowed=allowed_modifications,
        other_certs=other_certs,
        crls=tuple(asn1_crl.CertificateList.load(c) for c in crls),
    )
    try:
        document = open_document(pdf_bytes)
        embedded = list(document.reader.embedded_signatures)
    except (PdfError, ValueError) as e:
        unreadable = problem("unreadable", _unreadable(e))
        return ValidationReport((), timing.validation_time, 0, (unreadable,)), settings.crls
    reports = [await _check(sig, document, settings) for sig in embedded]
    problems: tuple[Problem, ...] = ()
    if not any(r.kind is SignatureKind.SIGNATURE for r in reports):
        problems = (problem("no_signatures", "文件没有签名 / the document carries no signature"),)
    report = ValidationReport(tuple(reports), timing.validation_time, document.revisions,
                              problems)
    return report, (*settings.crls, *document.dss_crls)


async def _check(
    sig: EmbeddedPdfSignature, document: Document, settings: Settings
) -> SignatureReport:
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            return await _check_timestamp(sig, document, settings)
        return await _check_signature(sig, document, settings)
    except (ValueErrorWithMessage, PdfError, ValueError) as e:
        return _broken(sig, document, f"签名无法解析 / the signature cannot be processed: {e}")


def _broken(sig: EmbeddedPdfSignature, document: Document, reason: str) -> SignatureReport:
    signer, fingerprint = _signer(sig)
    kind = (
        SignatureKind.DOCUMENT_TIMESTAMP
        if sig.sig_object.get("/Type") == "/DocTimeStamp"
        else SignatureKind.SIGNATURE
    )
    return SignatureReport(
        field_name=str(sig.field_name),
        kind=kind,
        signer=signer,
        certificate_sha256=fingerprint,
        chain=(),
        signing_time=None,
        timestamp=None,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        revision=sig.signed_revision + 1,
        revisions=document.revisions,
        coverage=Coverage.PARTIAL,
        modification=None,
        pades_level=None,
        problems=(problem("unreadable", reason),),
    )


async def _ades(
    sig: EmbeddedPdfSignature, document: Document, settings: Settings, timestamped: bool
) -> tuple[AdESBasicValidationResult, ModificationInfo | None]:
    """ETSI EN 319 102-1 validation: § 5.6 (long-term) for time-stamped signatures, else § 5.3."""
    spec = settings.spec(document)
    if timestamped and not document.timestamp_revisions:
        # Without a document time-stamp, a signature that passes at the current time (§ 5.5)
        # passes the long-term process too; pyHanko's § 5.6 would only validate its time-stamp
        # again and then fail past validation for want of proof of existence. Anything short
        # of a pass goes through the whole long-term process below.
        quick = await _with_time(sig, spec, settings.timing)
        if quick.ades_subindic is AdESPassed.OK and isinstance(quick.api_status,
                                                                PdfSignatureStatus):
            return quick, quick.api_status
    if timestamped:
        result = await ades_lta_validation(sig, spec, timing_info=settings.timing)
        status = result.api_status
        return result, status if isinstance(status, PdfSignatureStatus) else None
    # The long-term process insists on a signature time-stamp; a B-B signature gets the basic one.
    sig.compute_integrity_info(diff_policy=spec.diff_policy)
    basic = await ades_basic_validation(
        sig.signed_data,
        spec.signature_validation_spec,
        timing_info=settings.timing,
        raw_digest=sig.compute_digest(),
    )
    return basic, ModificationInfo(**sig.summarise_integrity_info())


async def _with_time(sig: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec,
                     timing: ValidationTimingInfo) -> AdESWithTimeValidationResult:
    """ETSI EN 319 102-1 § 5.5 with what pyHanko's § 5.6 gives it: the DSS and the revocation
    data archived in the signature as local knowledge, and their proof of existence."""
    sig.compute_integrity_info(diff_policy=spec.diff_policy)
    base = spec.signature_validation_spec
    known = base.local_knowledge
    dss = _dss_to_local_knowledge(reader=sig.reader)
    archived = _adobe_revinfo_archival_to_local_knowledge(sig)
    knowledge = LocalKnowledge(
        known_ocsps=known.known_ocsps + dss.known_ocsps + archived.known_ocsps,
        known_crls=known.known_crls + dss.known_crls + archived.known_crls,
        known_certs=known.known_certs + dss.known_certs,
        known_poes=known.known_poes,
        nonrevoked_assertions=known.nonrevoked_assertions,
    )
    validation_spec = dataclasses.replace(base, local_knowledge=knowledge)
    poes = POEManager()
    knowledge.add_to_poe_manager(poes)
    return await ades_with_time_validation(
        signed_data=sig.signed_data,
        validation_spec=validation_spec,
        timing_info=timing,
        validation_data_handlers=bootstrap_validation_data_handlers(
            spec=validation_spec, timing_info=timing, poe_manager_override=poes),
        raw_digest=sig.compute_digest(),
        extra_status_kwargs=sig.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )


async def _check_signature(
    sig: EmbeddedPdfSignature, document: Document, settings: Settings
) -> SignatureReport:
    timestamped = has_signature_timestamp(sig)
    result, changes = await _ades(sig, document, settings, timestamped)
    status, indication = result.api_status, result.ades_subindic
    if status is None or changes is None:
        return _broken(sig, document, result.failure_msg or str(indication))
    # pyHanko also runs past-signature validation when the validation at the current time (or
    # with the signature time-stamp) already succeeded; without a document time-stamp that
    # step ends in NO_POE, which does not undo the success reported in ``api_status``.
    passed = indication is AdESPassed.OK or (
        indication is AdESIndeterminate.NO_POE and chain_ok(status)
    )
    problems = integrity_problems(changes, status.intact, status.valid, settings.allowed)
    if status.intact and status.valid and not passed:
        if status.revoked or indication in (AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE):
            problems.append(REVOKED)
        else:
            problems.append(
                await explain_chain(
                    sig,
                    settings.context(document),
                    indication,
                    result.failure_msg,
                    at=settings.timing.validation_time,
                )
            )
    stamp = timestamp_of(status)
    if stamp is not None and not stamp.trusted:
        problems.append(TIMESTAMP)
    return SignatureReport(
        field_name=str(sig.field_name),
        kind=SignatureKind.SIGNATURE,
        signer=subject_of(sig.signer_cert),
        certificate_sha256=sig.signer_cert.sha256.hex(),
        chain=chain_of(status),
        signing_time=sig.self_reported_timestamp,
        timestamp=stamp,
        intact=status.intact,
        valid=status.valid,
        trusted=passed,
        revoked=status.revoked,
        revision=sig.signed_revision + 1,
        revisions=document.revisions,
        coverage=coverage_of(changes),
        modification=modification_of(changes)[0],
        pades_level=level_of(sig, document, timestamped),
        problems=tuple(problems),
    )


async def _check_timestamp(
    sig: EmbeddedPdfSignature, document: Document, settings: Settings
) -> SignatureReport:
    context = settings.context(document)
    try:
        status = await async_validate_pdf_timestamp(
            sig, validation_context=context, diff_policy=DEFAULT_DIFF_POLICY
        )
    finally:
        await context.aclose()
    problems = integrity_problems(status, status.intact, status.valid, settings.allowed)
    if status.intact and status.valid and not status.trusted:
        problems.append(
            await explain_chain(
                sig,
                settings.context(document),
                status.trust_problem_indic,
                None,
                at=settings.timing.validation_time,
                usage={"time_stamping"},
            )
        )
    tsa = subject_of(sig.signer_cert)
    return SignatureReport(
        field_name=str(sig.field_name),
        kind=SignatureKind.DOCUMENT_TIMESTAMP,
        signer=tsa,
        certificate_sha256=sig.signer_cert.sha256.hex(),
        chain=chain_of(status),
        signing_time=None,
        timestamp=TimestampInfo(status.timestamp, tsa, status.trusted),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revoked=status.revoked,
        revision=sig.signed_revision + 1,
        revisions=document.revisions,
        coverage=coverage_of(status),
        modification=modification_of(status)[0],
        pades_level=None,
        problems=tuple(problems),
    )
