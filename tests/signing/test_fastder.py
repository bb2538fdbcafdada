"""signing._fastder: a definite length that ends in 0x80 no longer forces re-encoding, an
indefinite one still does, and what asn1crypto writes is otherwise unchanged."""

from __future__ import annotations

import pytest
from asn1crypto import core, x509

from signing import _speedups
from signing._fastder import indefinite


class Integers(core.SequenceOf):
    _child_spec = core.Integer


def _ber_with_length_128() -> bytes:
    # One integer with a non-minimal (BER) length, then filler, 128 content bytes in all.
    body = b"\x02\x81\x05" + bytes(range(1, 6)) + b"\x02\x01\x00" * 40
    assert len(body) == 128
    return b"\x30\x81\x80" + body


@pytest.mark.parametrize(("header", "expected"), [
    (b"\x30\x80", True),
    (b"\x30\x81\x80", False),
    (b"\x30\x82\x01\x80", False),
    (b"\x30\x7f", False),
    (b"\xa0\x80\x30\x80", True),
    (b"\xa0\x82\x01\x83\x30\x82\x01\x80", False),
    (b"\x9f\x81\x00\x80", True),
    (b"\x9f\x81\x00\x81\x80", False),
    (b"", False),
    (None, False),
])
def test_only_a_length_octet_of_0x80_is_indefinite(header: bytes | None, expected: bool) -> None:
    assert indefinite(header) is expected


def test_a_value_128_bytes_long_is_written_back_as_it_was_read() -> None:
    _speedups.install()
    data = _ber_with_length_128()
    value = Integers.load(data)
    # asn1crypto 1.5.1 took "81 80" for an indefinite length and re-encoded the whole value.
    assert value.dump() == data
    assert value.dump(force=True) != data  # asked for DER, it still re-encodes


def test_an_indefinite_length_is_still_re_encoded_as_der() -> None:
    _speedups.install()
    value = Integers.load(b"\x30\x80\x02\x01\x07\x02\x01\x08\x00\x00")
    assert value.dump() == b"\x30\x06\x02\x01\x07\x02\x01\x08"
    assert [i.native for i in value] == [7, 8]


def test_a_changed_certificate_is_encoded_as_a_fresh_one() -> None:
    _speedups.install()
    cert = x509.Certificate.load(_certificate())
    cert["tbs_certificate"]["serial_number"] = core.Integer(0x80 * 256 + 0x80)
    rebuilt = x509.Certificate.load(cert.dump())
    assert rebuilt.serial_number == 0x8080
    assert rebuilt.dump() == cert.dump()
    assert rebuilt["tbs_certificate"].dump(force=True) == cert["tbs_certificate"].dump()


def _certificate() -> bytes:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509 as cx
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx.Name([cx.NameAttribute(NameOID.COMMON_NAME, "测试")])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (cx.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)
