"""Signing: keys, certificates, PAdES signatures and their validation (a leaf library)."""

from signing import devpki
from signing._reports import NoReportStore, ReportStore
from signing.errors import (
    DevPkiError,
    KeyNotFoundError,
    KeyStoreError,
    SigningError,
    TimestampError,
)
from signing.info import document_info
from signing.keys import (
    KeyStore,
    PemEntry,
    PemKeyStore,
    Pkcs11KeyStore,
    Pkcs12Entry,
    Pkcs12KeyStore,
)
from signing.pades import Level, async_sign_pdf, revinfo_context
from signing.pkiserver import create_pki_app
from signing.pool import LocalTsa, SignJob, sign_off_loop, validate_off_loop, validate_shared
from signing.render import render_text
from signing.report import (
    Coverage,
    Modification,
    Problem,
    RevocationCheck,
    SignatureKind,
    SignatureReport,
    TimestampInfo,
    ValidationReport,
)
from signing.tsa import LocalTimeStamper, TimeStampAuthority, http_timestamper, tsa_handler
from signing.validation import SignatureEntry, list_signatures, validate_pdf

__all__ = [
    "Coverage",
    "DevPkiError",
    "KeyNotFoundError",
    "KeyStore",
    "KeyStoreError",
    "Level",
    "LocalTimeStamper",
    "LocalTsa",
    "Modification",
    "NoReportStore",
    "PemEntry",
    "PemKeyStore",
    "Pkcs11KeyStore",
    "Pkcs12Entry",
    "Pkcs12KeyStore",
    "Problem",
    "ReportStore",
    "RevocationCheck",
    "SignJob",
    "SignatureEntry",
    "SignatureKind",
    "SignatureReport",
    "SigningError",
    "TimeStampAuthority",
    "TimestampError",
    "TimestampInfo",
    "ValidationReport",
    "async_sign_pdf",
    "create_pki_app",
    "devpki",
    "document_info",
    "http_timestamper",
    "list_signatures",
    "render_text",
    "revinfo_context",
    "sign_off_loop",
    "tsa_handler",
    "validate_off_loop",
    "validate_pdf",
    "validate_shared",
]
