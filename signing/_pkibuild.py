"""Certificate and CRL builders for the development PKI (names, profiles, extensions)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CaKeys",
    "KeyAlgorithm",
    "Role",
    "Subject",
    "build_ca",
    "build_crl",
    "build_leaf",
    "new_key",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# Tolerate small clock differences between the issuer and whoever checks the certificate.
_BACKDATE = timedelta(hours=1)


class KeyAlgorithm(enum.StrEnum):
    """Key type for every key of the development PKI.

    ECDSA P-256 is the default: a signature costs a fraction of an RSA-2048 one and is a tenth
    of its size, and Adobe Reader, poppler/NSS and pyHanko all verify it. Our own TSA signs
    with either (pyHanko's DummyTimeStamper would have forced RSA).
    """

    EC_P256 = "ec-p256"
    """ECDSA on NIST P-256: fast to sign, small signatures; the default."""
    RSA_2048 = "rsa-2048"
    """RSA 2048 bits, for validators that cannot do ECDSA."""


class Role(enum.StrEnum):
    """What a leaf certificate is for; decides its key usages."""

    SIGNER = "signer"
    """Signs documents: digitalSignature and nonRepudiation."""
    TSA = "tsa"
    """Signs RFC 3161 time-stamp tokens: the critical timeStamping extended key usage."""


NAME_MAX_BYTES = 64
"""RFC 5280's ub-common-name and ub-organization-name (64), counted in UTF-8 bytes as the
`cryptography` package does: about 21 Chinese characters."""
DESCRIPTION = x509.ObjectIdentifier("2.5.4.13")
"""X.520 description (bound 1024): carries a legal name too long for O or CN."""
_CUT = "…"


def fit(text: str, limit: int = NAME_MAX_BYTES, *, keep: str = "") -> str:
    """`text` + `keep` within `limit` UTF-8 bytes: `text` shortened (ending in "…") if need be,
    `keep` (e.g. the seal's suffix 电子签章) always whole."""
    if len((text + keep).encode()) <= limit:
        return text + keep
    room = limit - len((_CUT + keep).encode())
    cut = text.encode()[:max(room, 0)].decode(errors="ignore")
    return cut + _CUT + keep


@dataclass(frozen=True)
class Subject:
    """A certificate holder of the development PKI."""

    alias: str
    """File and key-store name (ASCII), e.g. ``firm``."""
    common_name: str
    """CN; Chinese is fine (encoded as UTF8String)."""
    organization: str
    """O: the legal name of the organisation."""
    organization_id: str | None = None
    """organizationIdentifier (2.5.4.97), e.g. the 统一社会信用代码."""
    role: Role = Role.SIGNER
    """What the certificate is for."""
    country: str = "CN"
    """C: ISO 3166 country code."""

    def name(self) -> x509.Name:
        """The X.509 distinguished name. O and CN are kept within their 64-byte bound; a longer
        legal name is shortened there and kept whole in the description attribute."""
        organization = fit(self.organization)
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, self.country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
        if organization != self.organization:
            attrs.append(x509.NameAttribute(DESCRIPTION, self.organization))
        if self.organization_id:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, self.organization_id))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, fit(self.common_name)))
        return x509.Name(attrs)


@dataclass(frozen=True)
class CaKeys:
    """A CA's certificate and key, and where relying parties find its CRL and certificate."""

    certificate: x509.Certificate
    key: PrivateKey
    crl_url: str
    cert_url: str


def new_key(algorithm: KeyAlgorithm) -> PrivateKey:
    """A fresh private key of the chosen algorithm."""
    if algorithm is KeyAlgorithm.RSA_2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: PrivateKey,
    issuer_key: PrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )


def _pointers(issuer: CaKeys) -> list[x509.ExtensionType]:
    return [
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    [x509.UniformResourceIdentifier(issuer.crl_url)], None, None, None
                )
            ]
        ),
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(issuer.cert_url),
                )
            ]
        ),
    ]


_CA_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)
_LEAF_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def build_ca(
    name: x509.Name,
    key: PrivateKey,
    *,
    issuer: CaKeys | None,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """A root CA (``issuer`` None, self-signed) or an intermediate CA that issues only leaves."""
    issuer_name = issuer.certificate.subject if issuer else name
    issuer_key = issuer.key if issuer else key
    builder = _builder(name, issuer_name, key, issuer_key, not_before, not_after)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0), True
    ).add_extension(_CA_USAGE, True)
    if issuer is not None:
        for ext in _pointers(issuer):
            builder = builder.add_extension(ext, False)
    return builder.sign(issuer_key, hashes.SHA256())


def build_leaf(
    subject: Subject,
    key: PrivateKey,
    *,
    issuer: CaKeys,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """A document signer's or a time-stamping authority's certificate."""
    builder = _builder(
        subject.name(), issuer.certificate.subject, key, issuer.key, not_before, not_after
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
    builder = builder.add_extension(_LEAF_USAGE, True)
    if subject.role is Role.TSA:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True
        )
    for ext in _pointers(issuer):
        builder = builder.add_extension(ext, False)
    return builder.sign(issuer.key, hashes.SHA256())


def build_crl(
    issuer: CaKeys,
    *,
    number: int,
    revoked: Sequence[tuple[int, datetime]],
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """A complete CRL listing ``revoked`` (serial, revocation time) pairs."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(issuer.key, hashes.SHA256())
