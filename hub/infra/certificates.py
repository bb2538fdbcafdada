"""Reading the certificates responders register for their replies: SHA-256, subject, expiry."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hub.domain.responders import SigningCertificate

MAX_PEM_CHARS = 20_000


def read_certificate(pem: str) -> SigningCertificate:
    """One PEM certificate as the registry keeps it; ValueError saying why it is not one."""
    if len(pem) > MAX_PEM_CHARS:
        raise ValueError("the certificate is too long")
    if pem.count("-----BEGIN CERTIFICATE-----") != 1:
        raise ValueError("give exactly one PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as e:
        raise ValueError(f"not a readable PEM certificate: {e}") from e
    der = cert.public_bytes(Encoding.DER)
    return SigningCertificate(
        sha256=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
        pem=cert.public_bytes(Encoding.PEM).decode("ascii"),
    )
