"""A time-stamped signature that passes at the current time gets the report the whole long-term
process gives it; one that does not (an expired signer, a revoked one) still gets the long-term
process: the short cut never turns a failure into a pass or drops a finding."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from signing import Level, ValidationReport, async_sign_pdf, validate_pdf
from signing import validation as validation_module
from tests.signing.conftest import REVOKED, SHORT_LIVED, Dev


async def _two_signatures(dev: Dev, pdf: bytes, first: str = "company",
                          level: Level = Level.B_LT) -> bytes:
    for alias, field in ((first, "Company"), ("firm", "Firm")):
        pdf = await async_sign_pdf(pdf, signer=await dev.store.signer(alias), level=level,
                                   timestamper=dev.stamper, field_name=field)
    return pdf


async def _both_ways(dev: Dev, pdf: bytes, monkeypatch: pytest.MonkeyPatch,
                     **kwargs: Any) -> tuple[ValidationReport, ValidationReport, int]:
    calls = 0
    original = validation_module._with_time

    async def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return await original(*args)

    async def never(*args: Any) -> Any:
        result = await original(*args)
        return replace(result, ades_subindic=None)  # as if it had not passed: take § 5.6

    roots = dev.pki.trust_roots()
    monkeypatch.setattr(validation_module, "_with_time", counted)
    quick = await validate_pdf(pdf, trust_roots=roots, allow_fetching=False, reuse=False,
                               **kwargs)
    used = calls
    monkeypatch.setattr(validation_module, "_with_time", never)
    whole = await validate_pdf(pdf, trust_roots=roots, allow_fetching=False, reuse=False,
                               **kwargs)
    return quick, whole, used


def _same(a: ValidationReport, b: ValidationReport) -> None:
    assert replace(a, validation_time=b.validation_time) == b


async def test_a_passing_letter_gets_the_long_term_report(dev: Dev, letter: bytes,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = await _two_signatures(dev, letter)
    quick, whole, used = await _both_ways(dev, pdf, monkeypatch, at=dev.now)
    assert used == 2
    assert quick.ok and whole.ok
    _same(quick, whole)


async def test_an_expired_signer_still_takes_the_long_term_process(
        dev: Dev, letter: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = await _two_signatures(dev, letter, first=SHORT_LIVED)
    quick, whole, _ = await _both_ways(dev, pdf, monkeypatch, at=dev.now + timedelta(days=3))
    assert quick.ok, "B-LT keeps an expired signer's signature valid"
    _same(quick, whole)


async def test_a_revoked_signer_is_refused_either_way(dev: Dev, letter: bytes,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Signing at B-LT refuses a revoked certificate; B-T takes it and the validator must not.
    pdf = await _two_signatures(dev, letter, first=REVOKED, level=Level.B_T)
    quick, whole, _ = await _both_ways(dev, pdf, monkeypatch, crls=dev.pki.crls())
    assert not quick.ok
    assert not quick.signatures[0].trusted
    _same(quick, whole)
