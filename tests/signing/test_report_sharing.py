"""Reports shared between processes (validate_shared): reused only for the same bytes and
trust settings while they hold; a revoked certificate or tampered bytes still fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from signing import (
    Level,
    RevocationCheck,
    ValidationReport,
    async_sign_pdf,
    devpki,
    validate_pdf,
    validate_shared,
)
from signing import pool as pool_module
from signing._reportjson import report_from_json, report_to_json
from signing._reports import REPORTS
from signing.devpki import DevPki, Subject
from tests.signing._pdfs import change_one_byte
from tests.signing.conftest import Dev


class DictStore:
    """What another process left in the database."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, datetime | None]] = {}
        self.gets = 0

    async def get(self, key: str) -> tuple[str, datetime | None] | None:
        self.gets += 1
        return self.items.get(key)

    async def put(self, key: str, report: str, until: datetime | None) -> None:
        self.items[key] = (report, until)


async def _signed(dev: Dev, pdf: bytes, alias: str = "firm", field: str = "Firm") -> bytes:
    signer = await dev.store.signer(alias)
    return await async_sign_pdf(pdf, signer=signer, level=Level.B_T, timestamper=dev.stamper,
                                field_name=field)


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("validated again")

    monkeypatch.setattr(pool_module, "_validate_until", refuse)


async def test_a_report_round_trips_through_json(dev: Dev, letter: bytes) -> None:
    two = await _signed(dev, await _signed(dev, letter, "bank", "Bank"))
    broken = change_one_byte(two, b"CNY 1,234,567.89", b"CNY 7,234,567.89")
    for pdf in (two, broken, b"not a pdf"):
        report = await validate_pdf(pdf, trust_roots=dev.pki.trust_roots(),
                                    crls=dev.pki.crls(), allow_fetching=False, reuse=False)
        assert report_from_json(report_to_json(report)) == report
    with pytest.raises(ValueError):
        report_from_json('{"format": 99}')


def trust(dev: Dev) -> dict[str, Any]:
    """The development PKI's trust settings, offline: what validate_shared keys reports by."""
    return {"trust_roots": dev.pki.trust_roots(), "crls": dev.pki.crls(),
            "allow_fetching": False}


async def test_another_process_reuses_the_report_of_the_same_bytes_and_settings(
    dev: Dev, letter: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed = await _signed(dev, letter)
    store = DictStore()
    settings = trust(dev)
    first = await validate_shared(signed, store, **settings)
    assert first.ok and len(store.items) == 1

    REPORTS.clear()  # as if in another process
    _no_validation(monkeypatch)
    again = await validate_shared(signed, store, **settings)

    assert again == first
    assert store.gets == 2


async def test_other_bytes_or_settings_are_validated_afresh(
    dev: Dev, foreign: DevPki, letter: bytes,
) -> None:
    signed = await _signed(dev, letter)
    store = DictStore()
    roots, crls = dev.pki.trust_roots(), dev.pki.crls()
    assert (await validate_shared(signed, store, trust_roots=roots, crls=crls,
                                  allow_fetching=False)).ok
    REPORTS.clear()

    tampered = change_one_byte(signed, b"CNY 1,234,567.89", b"CNY 7,234,567.89")
    results = [
        await validate_shared(tampered, store, trust_roots=roots, crls=crls,
                              allow_fetching=False),
        await validate_shared(signed, store, trust_roots=foreign.trust_roots(), crls=crls,
                              allow_fetching=False),
        await validate_shared(signed, store, trust_roots=roots, allow_fetching=False,
                              revocation=RevocationCheck.REQUIRE),
    ]

    assert [r.ok for r in results] == [False, False, False]
    assert len(store.items) == 4


async def test_a_report_past_its_time_is_not_reused(
    dev: Dev, letter: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed = await _signed(dev, letter)
    store = DictStore()
    settings = trust(dev)
    good = await validate_shared(signed, store, **settings)
    [(key, (_, until))] = store.items.items()
    assert until is not None and until <= datetime.now(UTC) + timedelta(minutes=5)

    # A forged verdict under the key, but past its time: not taken.
    bad = report_to_json(ValidationReport((), good.validation_time, 1, ()))
    store.items[key] = (bad, datetime.now(UTC) - timedelta(seconds=1))
    REPORTS.clear()
    again = await validate_shared(signed, store, **settings)

    assert again.ok and again.signatures
    assert store.items[key][0] != bad


async def test_a_certificate_revoked_since_fails_despite_the_kept_report(
    tmp_path: Path, letter: bytes,
) -> None:
    pki = devpki.init(tmp_path / "pki")
    devpki.issue(pki, Subject("late", "稍后吊销签章", "示例科技股份有限公司"))
    signer = await pki.key_store().signer("late")
    signed = await async_sign_pdf(letter, signer=signer, level=Level.B_B, field_name="Late")
    store = DictStore()
    before = await validate_shared(signed, store, trust_roots=pki.trust_roots(),
                                   crls=pki.crls(), allow_fetching=False)
    assert before.ok

    devpki.revoke(pki, "late")
    REPORTS.clear()
    after = await validate_shared(signed, store, trust_roots=pki.trust_roots(),
                                  crls=pki.crls(), allow_fetching=False)

    assert not after.ok
    assert "revoked" in {p.code for p in after.all_problems}
