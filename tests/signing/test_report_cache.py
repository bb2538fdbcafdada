"""A kept validation report never lets a tampered or differently trusted document pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asn1crypto.crl import CertificateList

from signing import Level, RevocationCheck, async_sign_pdf, validate_pdf
from signing._reports import MAX_AGE, expiry
from signing.devpki import DevPki
from tests.signing._pdfs import change_one_byte
from tests.signing.conftest import Dev


async def _signed(dev: Dev, pdf: bytes) -> bytes:
    signer = await dev.store.signer("firm")
    return await async_sign_pdf(
        pdf, signer=signer, level=Level.B_T, timestamper=dev.stamper, field_name="Firm"
    )


async def test_the_same_document_is_validated_once(dev: Dev, letter: bytes) -> None:
    signed = await _signed(dev, letter)
    roots, crls = dev.pki.trust_roots(), dev.pki.crls()

    first = await validate_pdf(signed, trust_roots=roots, crls=crls, allow_fetching=False)
    again = await validate_pdf(signed, trust_roots=roots, crls=crls, allow_fetching=False)

    assert first.ok
    assert again is first


async def test_tampered_bytes_get_a_fresh_failing_validation(dev: Dev, letter: bytes) -> None:
    signed = await _signed(dev, letter)
    roots, crls = dev.pki.trust_roots(), dev.pki.crls()
    assert (await validate_pdf(signed, trust_roots=roots, crls=crls, allow_fetching=False)).ok

    tampered = change_one_byte(signed, b"CNY 1,234,567.89", b"CNY 7,234,567.89")
    report = await validate_pdf(tampered, trust_roots=roots, crls=crls, allow_fetching=False)

    assert not report.ok
    assert "not_intact" in {p.code for p in report.all_problems}


async def test_other_trust_settings_miss_the_kept_report(
    dev: Dev, foreign: DevPki, letter: bytes
) -> None:
    signed = await _signed(dev, letter)
    crls = dev.pki.crls()
    assert (await validate_pdf(signed, trust_roots=dev.pki.trust_roots(), crls=crls,
                               allow_fetching=False)).ok

    other_roots = await validate_pdf(signed, trust_roots=foreign.trust_roots(), crls=crls,
                                     allow_fetching=False)
    no_crls = await validate_pdf(signed, trust_roots=dev.pki.trust_roots(),
                                 revocation=RevocationCheck.REQUIRE, allow_fetching=False)

    assert not other_roots.ok
    assert not no_crls.ok


async def test_online_validation_and_reuse_false_are_never_kept(dev: Dev, letter: bytes) -> None:
    signed = await _signed(dev, letter)
    roots = dev.pki.trust_roots()
    online = await validate_pdf(signed, trust_roots=roots, allow_fetching=True)
    assert online.ok
    assert await validate_pdf(signed, trust_roots=roots, allow_fetching=True) is not online

    kept = await validate_pdf(signed, trust_roots=roots, crls=dev.pki.crls(),
                              allow_fetching=False)
    fresh = await validate_pdf(signed, trust_roots=roots, crls=dev.pki.crls(),
                               allow_fetching=False, reuse=False)
    assert fresh is not kept
    assert fresh.ok


def test_a_report_made_now_is_not_reused_past_a_crl_update(dev: Dev) -> None:
    crls = [CertificateList.load(c) for c in dev.pki.crls()]
    made = datetime.now(UTC)
    next_updates = [c["tbs_cert_list"]["next_update"].native for c in crls]

    assert expiry(made, crls) == min([made + MAX_AGE, *next_updates])
    stale = made + timedelta(days=30)
    assert expiry(stale, crls) <= min(next_updates) < stale
