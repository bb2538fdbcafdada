"""B-LT and B-LTA stay verifiable offline after the signer's certificate expired; B-T does not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from signing import Level, async_sign_pdf, validate_pdf
from signing.render import render_text
from tests.signing.conftest import SHORT_LIVED, Dev

# The short-lived certificate expires a day after the session's PKI was made; the CRLs embedded
# at signing stay current for seven days, so three days later only the signer has expired.
LATER = timedelta(days=3)


async def _sign(dev: Dev, pdf: bytes, level: Level) -> bytes:
    signer = await dev.store.signer(SHORT_LIVED)
    return await async_sign_pdf(
        pdf, signer=signer, level=level, timestamper=dev.stamper, field_name="Short"
    )


@pytest.mark.parametrize("level", [Level.B_LT, Level.B_LTA])
async def test_valid_offline_after_signer_expiry(dev: Dev, letter: bytes, level: Level) -> None:
    signed = await _sign(dev, letter, level)
    at = dev.now + LATER
    expiry = (await dev.store.certificate(SHORT_LIVED))["tbs_certificate"]["validity"][
        "not_after"
    ].native
    assert expiry < at

    report = await validate_pdf(
        signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False, at=at
    )

    assert report.ok, render_text(report)
    assert report.validation_time == at
    assert report.signatures[0].pades_level is level


async def test_b_t_fails_offline_after_signer_expiry(dev: Dev, letter: bytes) -> None:
    signed = await _sign(dev, letter, Level.B_T)
    assert (await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), allow_fetching=True)).ok

    report = await validate_pdf(
        signed, trust_roots=dev.pki.trust_roots(), allow_fetching=False, at=dev.now + LATER
    )

    assert not report.ok
    assert [p.code for p in report.signatures[0].problems] == ["expired"]
    assert "expired on" in report.signatures[0].problems[0].message
