"""The report as a reader sees it, and documents that are not signed or not PDFs."""

from __future__ import annotations

import pytest

from signing import Level, SigningError, async_sign_pdf, render_text, validate_pdf
from tests.signing._pdfs import add_page_text
from tests.signing.conftest import Dev


async def test_render_text_of_a_two_signature_letter(dev: Dev, letter: bytes) -> None:
    authorised = await async_sign_pdf(
        letter,
        signer=await dev.store.signer("company"),
        level=Level.B_T,
        timestamper=dev.stamper,
        field_name="Company",
    )
    signed = await async_sign_pdf(
        authorised,
        signer=await dev.store.signer("firm"),
        level=Level.B_LTA,
        timestamper=dev.stamper,
        field_name="Firm",
    )
    report = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=True)

    text = render_text(report)

    assert "结论 / Verdict: 全部签名有效 / ALL SIGNATURES VALID" in text
    assert text.count("有效 / VALID") >= 3
    assert "CN=示例科技股份有限公司电子公章" in text
    assert "CN=示例会计师事务所（特殊普通合伙）电子签章" in text
    # The firm's archive time-stamp and validation data protect the company's signature too.
    assert text.count("PAdES 级别 / PAdES level:               B-LTA") == 2
    assert "文档时间戳 / Document time-stamp" in text
    assert "further signatures or form filling" in text


async def test_render_text_names_the_problem(dev: Dev, letter: bytes) -> None:
    signed = await async_sign_pdf(
        letter,
        signer=await dev.store.signer("firm"),
        level=Level.B_T,
        timestamper=dev.stamper,
        field_name="Firm",
    )
    report = await validate_pdf(
        add_page_text(signed, "PAID"), trust_roots=dev.pki.trust_roots(), allow_fetching=True
    )

    text = render_text(report)

    assert "结论 / Verdict: 无效 / NOT VALID" in text
    assert "the document was changed after signing" in text


async def test_unsigned_document_is_not_ok(dev: Dev, letter: bytes) -> None:
    report = await validate_pdf(letter, trust_roots=dev.pki.trust_roots(), allow_fetching=False)

    assert not report.ok
    assert [p.code for p in report.problems] == ["no_signatures"]


async def test_garbage_is_reported_not_raised(dev: Dev) -> None:
    report = await validate_pdf(
        b"%PDF-1.7\nnot really", trust_roots=dev.pki.trust_roots(), allow_fetching=False
    )

    assert not report.ok
    assert [p.code for p in report.problems] == ["unreadable"]


async def test_time_stamped_levels_need_a_time_stamper(dev: Dev, letter: bytes) -> None:
    with pytest.raises(SigningError, match="B-T needs a time-stamper"):
        await async_sign_pdf(letter, signer=await dev.store.signer("firm"), level=Level.B_T)
