"""list_signatures names signatures as a validation report does."""

from __future__ import annotations

import pytest

from signing import (
    Level,
    SignatureKind,
    ValidationReport,
    async_sign_pdf,
    list_signatures,
    validate_pdf,
)
from tests.signing._pdfs import change_one_byte
from tests.signing.conftest import Dev


async def _sign(dev: Dev, pdf: bytes, alias: str, field: str) -> bytes:
    signer = await dev.store.signer(alias)
    return await async_sign_pdf(pdf, signer=signer, level=Level.B_T, timestamper=dev.stamper,
                                field_name=field)


async def _report(dev: Dev, pdf: bytes) -> ValidationReport:
    return await validate_pdf(pdf, trust_roots=dev.pki.trust_roots(), crls=dev.pki.crls(),
                              allow_fetching=False, reuse=False)


async def test_list_signatures_names_them_as_a_report_does(dev: Dev, letter: bytes) -> None:
    signed = await _sign(dev, await _sign(dev, letter, "firm", "Client"), "bank", "Firm")
    broken = change_one_byte(signed, b"CNY 1,234,567.89", b"CNY 7,234,567.89")
    for pdf in (letter, signed, broken):
        report = await _report(dev, pdf)
        assert [(s.field_name, s.kind, s.signer, s.certificate_sha256)
                for s in report.signatures] == [
            (s.field_name, s.kind, s.signer, s.certificate_sha256) for s in list_signatures(pdf)]
    assert [s.kind for s in list_signatures(signed)] == [SignatureKind.SIGNATURE] * 2
    assert not (await _report(dev, broken)).ok


async def test_list_signatures_refuses_what_a_report_calls_unreadable(dev: Dev) -> None:
    report = await _report(dev, b"%PDF-1.7\nnot really")
    [problem] = report.problems
    assert problem.code == "unreadable"
    with pytest.raises(ValueError) as caught:
        list_signatures(b"%PDF-1.7\nnot really")
    assert str(caught.value) == problem.message
