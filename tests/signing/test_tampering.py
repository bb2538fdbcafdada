"""Tampering and foreign keys are caught by our validator and by poppler's pdfsig."""

from __future__ import annotations

from signing import (
    Level,
    Modification,
    PemKeyStore,
    RevocationCheck,
    async_sign_pdf,
    validate_pdf,
)
from signing.devpki import DevPki
from signing.render import render_text
from signing.report import ValidationReport
from tests.signing._pdfs import add_free_text, add_page_text, change_one_byte
from tests.signing.conftest import REVOKED, Dev, Pdfsig


async def _signed(dev: Dev, pdf: bytes, store: PemKeyStore | None = None) -> bytes:
    signer = await (store or dev.store).signer("firm")
    return await async_sign_pdf(
        pdf, signer=signer, level=Level.B_T, timestamper=dev.stamper, field_name="Firm"
    )


async def _validate(dev: Dev, pdf: bytes) -> ValidationReport:
    return await validate_pdf(pdf, trust_roots=dev.pki.trust_roots(), allow_fetching=True)


def _codes(report: ValidationReport) -> set[str]:
    return {p.code for p in report.all_problems}


async def test_one_changed_byte_breaks_the_signature(
    dev: Dev, letter: bytes, pdfsig: Pdfsig
) -> None:
    signed = await _signed(dev, letter)
    assert (await _validate(dev, signed)).ok

    tampered = change_one_byte(signed, b"CNY 1,234,567.89", b"CNY 7,234,567.89")
    report = await _validate(dev, tampered)

    assert not report.ok
    assert "not_intact" in _codes(report), render_text(report)
    assert "altered" in render_text(report)
    [entry] = pdfsig(tampered)
    assert entry.signature != "Signature is Valid."
    assert "Mismatch" in entry.signature


async def test_page_content_added_after_signing(dev: Dev, letter: bytes, pdfsig: Pdfsig) -> None:
    signed = await _signed(dev, letter)
    assert pdfsig(signed)[0].total

    tampered = add_page_text(signed, "PAID IN FULL")
    report = await _validate(dev, tampered)

    assert not report.ok
    [sig] = report.signatures
    assert sig.intact and sig.trusted, "the signed bytes themselves are untouched"
    assert sig.modification is Modification.OTHER
    assert [p.code for p in sig.problems] == ["modified"]
    assert "changed after signing" in sig.problems[0].message
    [entry] = pdfsig(tampered)
    assert entry.signature == "Signature is Valid."
    assert not entry.total, "pdfsig must notice the signature no longer covers the whole file"


async def test_annotation_added_after_signing(dev: Dev, letter: bytes, pdfsig: Pdfsig) -> None:
    signed = await _signed(dev, letter)

    tampered = add_free_text(signed, "Balance confirmed, no differences")
    report = await _validate(dev, tampered)

    assert not report.ok
    [sig] = report.signatures
    assert sig.modification is not None
    assert sig.modification.value >= Modification.ANNOTATIONS.value
    assert [p.code for p in sig.problems] == ["modified"]
    [entry] = pdfsig(tampered)
    assert not entry.total


async def test_signature_from_another_ca_is_untrusted(
    dev: Dev,
    foreign: DevPki,
    letter: bytes,
    pdfsig: Pdfsig,
) -> None:
    signed = await _signed(dev, letter, store=foreign.key_store())

    report = await _validate(dev, signed)

    assert not report.ok
    [sig] = report.signatures
    assert sig.intact and sig.valid and not sig.trusted
    assert sig.chain == ()
    assert "untrusted" in {p.code for p in sig.problems}
    assert "does not chain to a trusted root" in render_text(report)
    # Control: the same file is fine for whoever also trusts the other root.
    both = (*foreign.trust_roots(), *dev.pki.trust_roots())
    control = await validate_pdf(
        signed, trust_roots=both, allow_fetching=False, revocation=RevocationCheck.NONE
    )
    assert control.ok, render_text(control)
    [entry] = pdfsig(signed)
    assert entry.signature == "Signature is Valid."
    assert entry.certificate != "Certificate is Trusted."


async def test_revoked_certificate_is_rejected(dev: Dev, letter: bytes) -> None:
    signer = await dev.store.signer(REVOKED)
    signed = await async_sign_pdf(
        letter, signer=signer, level=Level.B_T, timestamper=dev.stamper, field_name="Revoked"
    )

    report = await _validate(dev, signed)

    assert not report.ok
    [sig] = report.signatures
    assert sig.revoked or "revoked" in {p.code for p in sig.problems}
    assert "revoked" in render_text(report)
