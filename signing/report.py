"""The validation report: what was checked per signature, the verdict, the reasons in words."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from signing.pades import Level

__all__ = [
    "Coverage",
    "Modification",
    "Problem",
    "RevocationCheck",
    "SignatureKind",
    "SignatureReport",
    "TimestampInfo",
    "ValidationReport",
]


class SignatureKind(enum.StrEnum):
    """What kind of PDF signature an entry is."""

    SIGNATURE = "signature"
    """A signature by a person or organisation (approval signature)."""
    DOCUMENT_TIMESTAMP = "document-timestamp"
    """A document time-stamp by a TSA (the archive time-stamp of PAdES B-LTA)."""


class Coverage(enum.StrEnum):
    """How much of the file a signature's byte range covers."""

    WHOLE_FILE = "whole-file"
    """Every byte of the file: nothing was added after signing."""
    REVISION = "revision"
    """Its whole revision; later revisions (incremental updates) were appended."""
    PARTIAL = "partial"
    """Not even its own revision: a malformed or manipulated signature."""


class Modification(enum.Enum):
    """What the revisions added after a signature do, least to most invasive."""

    NONE = 0
    """Nothing was added."""
    LTA_UPDATES = 1
    """Only validation data and document time-stamps (signature maintenance)."""
    FORM_FILLING = 2
    """Also further signatures and form field values."""
    ANNOTATIONS = 3
    """Also comments and other annotations."""
    OTHER = 4
    """Anything else, such as changed page content."""

    @property
    def label(self) -> str:
        return _MODIFICATION_LABELS[self]


_MODIFICATION_LABELS = {
    Modification.NONE: "无 / none",
    Modification.LTA_UPDATES: "仅验证数据和时间戳 / validation data and time-stamps only",
    Modification.FORM_FILLING: "追加签名或填写表单 / further signatures or form filling",
    Modification.ANNOTATIONS: "添加批注 / annotations",
    Modification.OTHER: "其他修改（如页面内容）/ other changes (such as page content)",
}


class RevocationCheck(enum.StrEnum):
    """How strictly revocation of the signer's chain is checked."""

    REQUIRE = "require"
    """Every certificate below the root needs revocation data (CRL or OCSP)."""
    IF_DECLARED = "if-declared"
    """Certificates that name a CRL or OCSP location need revocation data from it (default)."""
    SOFT = "soft"
    """Like ``if-declared``, but unobtainable data is not a failure."""
    NONE = "none"
    """No revocation checking (diagnostics only)."""


@dataclass(frozen=True)
class Problem:
    """One reason a signature (or the document) is not valid."""

    code: str
    """Stable identifier: ``not_intact``, ``bad_signature``, ``untrusted``, ``revoked``,
    ``expired``, ``not_yet_valid``, ``revocation_unknown``, ``not_validated``, ``timestamp``,
    ``modified``, ``coverage``, ``no_signatures``, ``unreadable``."""
    message: str
    """The reason in words, Chinese and English."""


@dataclass(frozen=True)
class TimestampInfo:
    """The signature time-stamp token inside a signature (or the token of a document time-stamp)."""

    time: datetime
    """The time the TSA certified."""
    authority: str
    """The TSA certificate's subject."""
    trusted: bool
    """Whether the token is intact and its TSA certificate chains to a trust root."""


@dataclass(frozen=True)
class SignatureReport:
    """The findings for one signature or document time-stamp of a PDF."""

    field_name: str
    kind: SignatureKind
    signer: str
    """Subject of the signer's certificate, e.g. ``CN=示例…,O=示例…,C=CN``."""
    certificate_sha256: str
    """SHA-256 fingerprint (hex) of the signer's certificate."""
    chain: tuple[str, ...]
    """Subjects from the trust anchor down to the signer; empty when no trusted chain was found."""
    signing_time: datetime | None
    """The time the signer claims (not proof)."""
    timestamp: TimestampInfo | None
    """The signature time-stamp (proof of the time), if any."""
    intact: bool
    """The bytes the signature covers are unchanged."""
    valid: bool
    """The cryptographic signature verifies."""
    trusted: bool
    """The signer's certificate chains to a trust root, is unrevoked and was valid when signing."""
    revoked: bool
    revision: int
    """The revision (1-based) the signature closes."""
    revisions: int
    """How many revisions the file has; later ones are not covered by this signature."""
    coverage: Coverage
    modification: Modification | None
    """What was changed after signing; ``None`` if that could not be analysed."""
    pades_level: Level | None
    """The PAdES baseline level found; ``None`` for a non-PAdES signature."""
    problems: tuple[Problem, ...]

    @property
    def trust_anchor(self) -> str | None:
        return self.chain[0] if self.chain else None

    @property
    def unchanged_since(self) -> bool:
        """The file is as signed: the signature covers all of it, or only validation data and
        time-stamps (LTA updates) were added after it."""
        return self.coverage is Coverage.WHOLE_FILE or (
            self.coverage is Coverage.REVISION and self.modification is Modification.LTA_UPDATES)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ValidationReport:
    """The findings for every signature of a PDF; ``ok`` only when all of them hold up."""

    signatures: tuple[SignatureReport, ...]
    validation_time: datetime
    revisions: int
    problems: tuple[Problem, ...] = ()
    """Problems of the document as a whole (no signature at all, unreadable file)."""

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems and all(s.ok for s in self.signatures)

    @property
    def all_problems(self) -> tuple[Problem, ...]:
        return self.problems + tuple(p for s in self.signatures for p in s.problems)
