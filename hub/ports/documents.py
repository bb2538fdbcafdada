"""What the core asks of documents, signatures and secrets: blobs, letters, replies, workpapers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hub.domain.model import Confirmation
from hub.domain.responders import SigningCertificate


class BlobStore(Protocol):
    """Immutable documents by their SHA-256 (a directory by default, object storage later)."""

    async def put(self, data: bytes) -> str:
        """Store `data` durably; returns its SHA-256 in hex, which is also its key."""

    async def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; NotFound if there are none."""


class CertificateReader(Protocol):
    """Reads a PEM certificate a responder registers for signing its replies."""

    def __call__(self, pem: str) -> SigningCertificate:
        """The certificate's SHA-256, subject and expiry; ValueError if it is not one."""


@dataclass(frozen=True)
class ReplyCheck:
    """What a reply's signature and binding show (before any comparison with the books)."""

    problems: tuple[str, ...]  # empty when the signature is valid, whole and trusted
    signer: str | None
    signer_sha256: str | None
    binding: dict[str, str]  # hub.domain.replies.parse_binding of the signed Keywords


class ReplyChecker(Protocol):
    """Validates a reply PDF's signature against the trust roots and reads its binding."""

    async def check(self, pdf: bytes) -> ReplyCheck: ...


@dataclass(frozen=True)
class WorkpaperInput:
    """What a verified confirmation's workpaper and evidence bundle are made of."""

    facts: dict[str, Any]  # engagement, firm, confirmation, responder, reply, exceptions, history
    letter_pdf: bytes
    reply_pdf: bytes
    reply_data: dict[str, Any] | None
    attachments: tuple[tuple[str, bytes], ...] = ()
    """(name in the bundle, content) of the files the responder attached to the reply."""


class PortalReplyMaker(Protocol):
    """Renders a company's portal reply, or the record that a negative letter went
    unanswered, and seals it with the hub's own certificate (PAdES)."""

    async def make(self, record: dict[str, Any]) -> bytes: ...


class WorkpaperMaker(Protocol):
    """Validates the letter and the reply, renders the workpaper (回函底稿), seals it with the
    hub's certificate, and packs the evidence bundle: (workpaper PDF, evidence ZIP)."""

    async def make(self, source: WorkpaperInput) -> tuple[bytes, bytes]: ...


class SheetPdfRenderer(Protocol):
    """Renders a report table (the control sheet, 函证控制表) given as a plain dict to a PDF
    (hub.documents.render_control_sheet); blocking, so it runs off the event loop."""

    def __call__(self, sheet: Mapping[str, Any], *, created_at: datetime | None = None
                 ) -> bytes: ...


class LetterMaker(Protocol):
    """Renders a confirmation's letter and signs it: the audited entity's authorisation
    signature first, then the firm's, each as an incremental update keeping the other valid."""

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes: ...


class SecretBox(Protocol):
    """Encrypts secrets the hub must keep (webhook keys) with a key outside the database."""

    async def seal(self, secret: str) -> str: ...
    async def unseal(self, sealed: str) -> str:
        """The secret; PermanentError if the key it was sealed with is gone."""
