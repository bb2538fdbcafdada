"""PAdES B-B to B-LTA: signed here, accepted by our validator and by poppler's pdfsig."""

from __future__ import annotations

import pytest

from signing import (
    Coverage,
    Level,
    Modification,
    SignatureKind,
    SignatureReport,
    ValidationReport,
    async_sign_pdf,
    revinfo_context,
    validate_pdf,
)
from signing.render import render_text
from tests.signing.conftest import Dev, Pdfsig

COMPANY = "CN=示例科技股份有限公司电子公章,O=示例科技股份有限公司,C=CN"
FIRM = "CN=示例会计师事务所（特殊普通合伙）电子签章,O=示例会计师事务所（特殊普通合伙）,C=CN"
ROOT = "CN=电子函证中心开发根CA Dev Root CA,O=电子函证中心,C=CN"


async def _sign(dev: Dev, pdf: bytes, alias: str, level: Level, field: str) -> bytes:
    return await async_sign_pdf(
        pdf,
        signer=await dev.store.signer(alias),
        level=level,
        timestamper=dev.stamper,
        field_name=field,
        reason="函证授权 / authorisation",
        location="北京",
    )


def _signatures(report: ValidationReport) -> list[SignatureReport]:
    return [s for s in report.signatures if s.kind is SignatureKind.SIGNATURE]


@pytest.mark.parametrize("level", list(Level))
async def test_every_level_signs_and_validates(dev: Dev, letter: bytes, level: Level) -> None:
    signed = await _sign(dev, letter, "company", level, "Company")

    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=True)

    assert report.ok, render_text(report)
    [sig] = _signatures(report)
    assert sig.field_name == "Company"
    assert sig.pades_level is level
    assert sig.signer == COMPANY
    assert sig.chain[0] == ROOT and sig.chain[-1] == COMPANY and len(sig.chain) == 3
    assert sig.intact and sig.valid and sig.trusted
    if level is Level.B_B:
        assert sig.timestamp is None
        assert sig.coverage is Coverage.WHOLE_FILE
    else:
        assert sig.timestamp is not None and sig.timestamp.trusted
        assert "时间戳服务" in sig.timestamp.authority
    stamps = [s for s in report.signatures if s.kind is SignatureKind.DOCUMENT_TIMESTAMP]
    assert len(stamps) == (1 if level is Level.B_LTA else 0)


@pytest.mark.parametrize("level", [Level.B_LT, Level.B_LTA])
async def test_long_term_levels_validate_offline(dev: Dev, letter: bytes, level: Level) -> None:
    signed = await _sign(dev, letter, "bank", level, "Bank")

    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False)

    assert report.ok, render_text(report)
    assert _signatures(report)[0].modification is Modification.LTA_UPDATES


@pytest.mark.parametrize("level", [Level.B_B, Level.B_T])
async def test_short_levels_need_revocation_data(dev: Dev, letter: bytes, level: Level) -> None:
    signed = await _sign(dev, letter, "bank", level, "Bank")

    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False)

    assert not report.ok
    [problem] = _signatures(report)[0].problems
    assert problem.code == "revocation_unknown"
    assert "revocation" in problem.message


async def test_company_then_firm_both_valid(dev: Dev, letter: bytes) -> None:
    authorised = await _sign(dev, letter, "company", Level.B_LT, "Company")
    signed = await _sign(dev, authorised, "firm", Level.B_LTA, "Firm")

    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False)

    assert signed.startswith(authorised), "the second signature must be an incremental update"
    assert report.ok, render_text(report)
    company, firm = _signatures(report)
    assert (company.signer, firm.signer) == (COMPANY, FIRM)
    assert company.coverage is Coverage.REVISION
    assert company.modification is Modification.FORM_FILLING
    assert company.revision < firm.revision <= report.revisions
    assert firm.pades_level is Level.B_LTA


@pytest.mark.parametrize("level", list(Level))
async def test_pdfsig_accepts_every_level(
    dev: Dev, letter: bytes, pdfsig: Pdfsig, level: Level
) -> None:
    signed = await _sign(dev, letter, "firm", level, "Firm")

    entries = pdfsig(signed)

    signatures = [e for e in entries if e.kind == "ETSI.CAdES.detached"]
    assert [e.field for e in signatures] == ["Firm"]
    for entry in signatures:
        assert entry.signature == "Signature is Valid."
        assert entry.certificate == "Certificate is Trusted."
    # poppler 22.x lists document time-stamps (ETSI.RFC3161) but cannot verify them.
    assert len(entries) - len(signatures) == (1 if level is Level.B_LTA else 0)


async def test_pdfsig_accepts_two_signatures(dev: Dev, letter: bytes, pdfsig: Pdfsig) -> None:
    authorised = await _sign(dev, letter, "company", Level.B_T, "Company")
    signed = await _sign(dev, authorised, "firm", Level.B_LTA, "Firm")

    signatures = [e for e in pdfsig(signed) if e.kind == "ETSI.CAdES.detached"]

    assert [e.field for e in signatures] == ["Company", "Firm"]
    assert all(e.signature == "Signature is Valid." for e in signatures)
    assert all(e.certificate == "Certificate is Trusted." for e in signatures)


async def test_b_lt_with_crls_given_directly(dev: Dev, letter: bytes) -> None:
    context = revinfo_context(dev.pki.trust_roots(), crls=dev.pki.crls(), allow_fetching=False)
    try:
        signed = await async_sign_pdf(
            letter,
            signer=await dev.store.signer("hub"),
            level=Level.B_LT,
            timestamper=dev.stamper,
            validation_context=context,
        )
    finally:
        await context.aclose()

    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False)

    assert report.ok, render_text(report)
    assert report.signatures[0].pades_level is Level.B_LT
