"""Turns certificate-path failures into concrete reasons a reader understands."""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import x509
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

from signing.report import Problem

__all__ = ["explain_chain", "name_string", "problem", "subject_of"]


def problem(code: str, message: str) -> Problem:
    return Problem(code, message)


def _expired(when: datetime) -> Problem:
    return problem(
        "expired",
        "证书已过期，且文件中没有签名早于过期的证明（时间戳与验证数据）/ the certificate "
        f"expired on {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC and the document holds no proof "
        "(time-stamp and validation data) that it was signed before",
    )


_SHORT = {
    "common_name": "CN",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "country_name": "C",
    "state_or_province_name": "ST",
    "locality_name": "L",
    "serial_number": "serialNumber",
    "organization_identifier": "organizationIdentifier",
}


def name_string(name: x509.Name) -> str:
    """A name as ``CN=…,O=…,C=CN`` (most specific first) with Chinese left as it is."""
    parts = []
    for rdn in reversed(list(name.chosen)):
        for attr in rdn:
            key = attr["type"].native
            parts.append(f"{_SHORT.get(key, key)}={attr['value'].native}")
    return ",".join(parts)


def subject_of(cert: x509.Certificate) -> str:
    """The certificate's subject, readable (see :func:`name_string`)."""
    return name_string(cert.subject)


async def explain_chain(
    sig: EmbeddedPdfSignature,
    context: ValidationContext,
    indication: object,
    failure: str | None,
    *,
    at: datetime,
    usage: set[str] | None = None,
) -> Problem:
    """Why the signer's certificate could not be validated, re-checked on its own for the words."""
    cert = sig.signer_cert
    expiry: datetime = cert["tbs_certificate"]["validity"]["not_after"].native
    if expiry < at:
        await context.aclose()
        return _expired(expiry)
    validator = CertificateValidator(
        cert, intermediate_certs=sig.other_embedded_certs, validation_context=context
    )
    try:
        await validator.async_validate_usage(set(), extended_key_usage=usage)
    except PathBuildingError:
        return problem(
            "untrusted",
            "签名证书无法链接到受信任的根证书 / the signer's certificate does not chain to a "
            f"trusted root (issued by {name_string(cert.issuer)})",
        )
    except RevokedError as e:
        return problem("revoked", f"证书已被吊销 / a certificate in the chain was revoked: {e}")
    except ExpiredError as e:
        return _expired(e.expired_dt)
    except NotYetValidError as e:
        return problem("not_yet_valid", f"证书尚未生效 / the certificate is not yet valid: {e}")
    except InsufficientRevinfoError as e:
        return problem(
            "revocation_unknown",
            f"无法确认证书未被吊销 / the revocation status cannot be established: {e}",
        )
    except (PathValidationError, ValidationError) as e:
        return problem("untrusted", f"证书链验证失败 / the certificate chain is invalid: {e}")
    finally:
        await context.aclose()
    return problem(
        "not_validated",
        f"签名未通过长期验证 / the signature failed AdES validation ({indication}): "
        f"{failure or 'no further detail'}",
    )
