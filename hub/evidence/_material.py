"""Reading the bundle's trust anchors, certificates and CRLs (PEM or DER)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509

TRUST = "trust/"
CERTIFICATES = "certificates/"
REVOCATION = "revocation/"
ATTACHMENTS = "attachments/"
"""Files a responder attached to a reply: kept and hashed as they came, not parsed."""


def is_pdf(name: str) -> bool:
    """A PDF, whose signatures are recorded and checked (not an attachment from outside)."""
    return name.lower().endswith(".pdf") and not name.startswith(ATTACHMENTS)


def is_trust_anchor(name: str) -> bool:
    """A root certificate the bundle's signatures are checked against."""
    return name.startswith(TRUST) and name.lower().endswith(".pem")


def is_certificate(name: str) -> bool:
    """A further certificate (a signer's chain) for building paths."""
    return name.startswith(CERTIFICATES) and name.lower().endswith(".pem")


def is_crl(name: str) -> bool:
    """A CRL the revocation checks use."""
    return name.startswith(REVOCATION) and name.lower().endswith(".crl")


def certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM file (or the one of a DER file); ValueError if none."""
    try:
        if pem.detect(data):
            found = [
                x509.Certificate.load(der)
                for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"
            ]
        else:
            found = [x509.Certificate.load(data)]
        for cert in found:
            _ = cert.sha256  # parses the whole structure: asn1crypto parses lazily
            _ = cert.subject.human_friendly
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"not a certificate: {e}") from e
    if not found:
        raise ValueError("holds no certificate")
    return found


def crl_der(data: bytes) -> bytes:
    """The DER bytes of a CRL given in DER or PEM; ValueError if it is not one."""
    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        parsed = asn1_crl.CertificateList.load(data)
        _ = parsed.issuer.human_friendly
        _ = parsed["tbs_cert_list"]["this_update"].native
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"not a CRL: {e}") from e
    return bytes(data)


def describe(cert: x509.Certificate) -> str:
    """Subject and SHA-256 fingerprint: what an auditor compares with a published anchor."""
    return f"{cert.subject.human_friendly} (SHA-256 {cert.sha256.hex()})"


@dataclass(frozen=True)
class Material:
    """What the bundle brings for validating its PDFs: roots, further certificates, CRLs."""

    roots: tuple[x509.Certificate, ...] = ()
    certificates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()


def gather(files: Mapping[str, bytes]) -> tuple[Material, dict[str, str]]:
    """The validation material among ``files``, and the files that are not what their name says."""
    roots: list[x509.Certificate] = []
    others: list[x509.Certificate] = []
    crls: list[bytes] = []
    errors: dict[str, str] = {}
    for name in sorted(files):
        try:
            if is_trust_anchor(name):
                roots += certificates(files[name])
            elif is_certificate(name):
                others += certificates(files[name])
            elif is_crl(name):
                crls.append(crl_der(files[name]))
        except ValueError as e:
            errors[name] = str(e)
    return Material(tuple(roots), tuple(others), tuple(crls)), errors
