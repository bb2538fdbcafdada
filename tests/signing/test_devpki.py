"""The development PKI: names, profiles, idempotent init, CRLs in files and over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing import (
    Level,
    LocalTimeStamper,
    TimeStampAuthority,
    async_sign_pdf,
    devpki,
    validate_pdf,
)
from signing.devpki import INTERMEDIATE, ROOT, KeyAlgorithm
from signing.pkiserver import create_pki_app
from signing.render import render_text
from tests.signing.conftest import REVOKED, Dev


def _cert(dev: Dev, alias: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(dev.pki.certificate_path(alias).read_bytes())


def test_chinese_names_are_utf8_strings(dev: Dev) -> None:
    cert = dev.pki.certificate("firm")

    values = {attr["type"].native: attr["value"] for rdn in cert.subject.chosen for attr in rdn}

    assert values["common_name"].native == "示例会计师事务所（特殊普通合伙）电子签章"
    assert values["common_name"].name == "utf8_string"
    assert values["organization_name"].name == "utf8_string"


def test_tsa_has_only_the_critical_time_stamping_purpose(dev: Dev) -> None:
    eku = _cert(dev, "tsa").extensions.get_extension_for_class(x509.ExtendedKeyUsage)

    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


@pytest.mark.parametrize("alias", ["firm", "company", "bank", "hub"])
def test_signers_can_sign_documents_but_not_certificates(dev: Dev, alias: str) -> None:
    cert = _cert(dev, alias)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value

    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == _cert(dev, INTERMEDIATE).subject
    assert _cert(dev, INTERMEDIATE).issuer == _cert(dev, ROOT).subject


def test_certificates_point_to_the_pki_server(dev: Dev) -> None:
    leaf, inter = _cert(dev, "bank"), _cert(dev, INTERMEDIATE)

    def crl_url(cert: x509.Certificate) -> str:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        return str(points[0].full_name[0].value)

    def issuer_url(cert: x509.Certificate) -> str:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        return str(aia[0].access_location.value)

    base = dev.pki.base_url
    assert crl_url(leaf) == f"{base}/crl/intermediate-ca.crl"
    assert crl_url(inter) == f"{base}/crl/root-ca.crl"
    assert issuer_url(leaf) == f"{base}/ca/intermediate-ca.cer"
    assert issuer_url(inter) == f"{base}/ca/root-ca.cer"


async def test_crls_and_ca_certificates_are_served(dev: Dev) -> None:
    base = dev.pki.base_url
    async with aiohttp.ClientSession() as session:
        for ca in (ROOT, INTERMEDIATE):
            async with session.get(f"{base}/crl/{ca}.crl") as response:
                assert response.content_type == "application/pkix-crl"
                assert await response.read() == dev.pki.crl_path(ca).read_bytes()
        async with session.get(f"{base}/ca/{ROOT}.cer") as response:
            served = x509.load_der_x509_certificate(await response.read())
        assert served == _cert(dev, ROOT)
        async with session.get(f"{base}/crl/other.crl") as response:
            assert response.status == 404


def test_revoked_certificate_is_on_the_crl(dev: Dev) -> None:
    crl = x509.load_der_x509_crl(dev.pki.crl_path(INTERMEDIATE).read_bytes())
    revoked = crl.get_revoked_certificate_by_serial_number(_cert(dev, REVOKED).serial_number)

    assert revoked is not None
    assert crl.get_revoked_certificate_by_serial_number(_cert(dev, "firm").serial_number) is None


def test_init_twice_keeps_the_keys_unless_forced(tmp_path: Path) -> None:
    pki = devpki.init(tmp_path)
    keys = {p.name: p.read_bytes() for p in tmp_path.rglob("*.key.pem")}

    devpki.init(tmp_path)
    kept = {p.name: p.read_bytes() for p in tmp_path.rglob("*.key.pem")}
    devpki.init(tmp_path, force=True)
    forced = {p.name: p.read_bytes() for p in tmp_path.rglob("*.key.pem")}

    assert kept == keys
    assert forced.keys() == keys.keys()
    assert all(forced[name] != keys[name] for name in keys)
    assert (tmp_path / "leaf" / "firm.key.pem").stat().st_mode & 0o077 == 0
    assert pki.base_url == devpki.load(tmp_path).base_url


def test_init_adds_missing_subjects_only(tmp_path: Path) -> None:
    devpki.init(tmp_path)
    firm_key = (tmp_path / "leaf" / "firm.key.pem").read_bytes()

    devpki.init(
        tmp_path,
        subjects=[*devpki.DEFAULT_SUBJECTS, devpki.Subject("bank2", "第二银行", "第二银行")],
    )

    assert (tmp_path / "leaf" / "bank2.key.pem").exists()
    assert (tmp_path / "leaf" / "firm.key.pem").read_bytes() == firm_key


async def test_stale_crls_are_reissued_when_fetched(tmp_path: Path) -> None:
    past = datetime.now(UTC) - timedelta(days=30)
    pki = devpki.init(tmp_path, now=past, subjects=[], crl_validity=timedelta(days=7))

    async with TestClient(TestServer(create_pki_app(pki.directory))) as client:
        response = await client.get(f"/crl/{INTERMEDIATE}.crl")
        crl = x509.load_der_x509_crl(await response.read())

    assert crl.next_update_utc is not None and crl.next_update_utc > datetime.now(UTC)


async def test_rsa_pki_signs_and_validates(tmp_path: Path, letter: bytes) -> None:
    pki = devpki.init(tmp_path, key_algorithm=KeyAlgorithm.RSA_2048)
    store = pki.key_store()
    stamper = LocalTimeStamper(await TimeStampAuthority.from_key_store(store))

    signed = await async_sign_pdf(
        letter, signer=await store.signer("hub"), level=Level.B_T, timestamper=stamper
    )
    report = await validate_pdf(
        signed, trust_roots=pki.trust_roots(), allow_fetching=False, crls=pki.crls()
    )

    assert report.ok, render_text(report)
    assert pki.certificate("hub").public_key.algorithm == "rsa"
    subject = pki.certificate("hub").subject.native
    assert subject["common_name"] == "电子函证中心"


def test_a_long_legal_name_fits_the_x509_bounds_and_is_kept_whole() -> None:
    from cryptography.x509.oid import NameOID

    from signing._pkibuild import DESCRIPTION, NAME_MAX_BYTES

    legal = "北京" + "新能源科技研发" * 28 + "有限公司"
    name = devpki.Subject("x", devpki.fit(legal, keep="电子签章"), legal).name()
    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    org = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert isinstance(cn, str) and isinstance(org, str)
    assert len(cn.encode()) <= NAME_MAX_BYTES and cn.startswith("北京新能源") \
        and cn.endswith("…电子签章")
    assert len(org.encode()) <= NAME_MAX_BYTES and org.endswith("…")
    assert name.get_attributes_for_oid(DESCRIPTION)[0].value == legal
    short = devpki.Subject("y", "示例公司电子签章", "示例公司").name()
    assert not short.get_attributes_for_oid(DESCRIPTION)
