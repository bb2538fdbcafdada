"""Finding and validating a PDF's signatures with the bundle's own material, offline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hub.evidence._material import Material
from hub.evidence.manifest import ListedSignature
from signing import SignatureEntry, SignatureReport, ValidationReport, validate_off_loop


async def validate(pdf: bytes, material: Material, at: datetime | None) -> ValidationReport:
    """signing.validate_pdf off the event loop, never fetching anything."""
    return await validate_off_loop(
        pdf,
        trust_roots=material.roots,
        other_certs=material.certificates,
        crls=material.crls,
        allow_fetching=False,
        at=at,
    )


def listed(report: ValidationReport) -> tuple[ListedSignature, ...]:
    """The signatures of a report as the manifest records them."""
    return entries(report.signatures)


def entries(signatures: Iterable[SignatureEntry | SignatureReport]) -> tuple[ListedSignature, ...]:
    """Signatures (as ``signing.list_signatures`` or a report names them) as the manifest
    records them."""
    return tuple(
        ListedSignature(s.field_name, str(s.kind), s.signer, s.certificate_sha256)
        for s in signatures
    )


def unreadable(report: ValidationReport) -> str | None:
    """Why the PDF could not be read at all, or None."""
    return next((p.message for p in report.problems if p.code == "unreadable"), None)


def failures(report: ValidationReport) -> list[str]:
    """Every reason the signatures of a PDF do not validate, each naming its signature field.

    A PDF without signatures has none: whether it should have some is the manifest's to say.
    """
    out = [p.message for p in report.problems if p.code != "no_signatures"]
    out += [f"{s.field_name}: {p.message}" for s in report.signatures for p in s.problems]
    return out
