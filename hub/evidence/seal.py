"""The manifest seal: a hub-sealed PDF whose signed Keywords carry manifest.json's SHA-256."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hub.evidence._names import MANIFEST, SEAL
from signing import SignatureKind, ValidationReport, document_info

__all__ = ["Seal", "manifest_keywords", "seal_problem", "sealed_digest"]

Seal = Callable[[Mapping[str, Any], str], Awaitable[bytes]]
"""(the manifest, the Keywords to put in the seal page) -> the sealed PDF."""

_KEY = "hub-manifest-sha256"
_FOUND = re.compile(rf"(?:^|[\s;,]){_KEY}:([0-9a-f]{{64}})(?:$|[\s;,])")


def manifest_keywords(manifest_json: bytes) -> str:
    """The Keywords entry that binds a seal page to these manifest.json bytes."""
    return f"{_KEY}:{hashlib.sha256(manifest_json).hexdigest()}"


def sealed_digest(pdf: bytes) -> str | None:
    """The manifest SHA-256 the seal page's Keywords name, or None."""
    found = _FOUND.search(document_info(pdf).get("Keywords", ""))
    return found.group(1) if found else None


def seal_problem(pdf: bytes, report: ValidationReport, manifest_json: bytes
                 ) -> tuple[str, str] | None:
    """(the file at fault, why) when the seal page does not vouch for these manifest.json
    bytes; None when it does: its last signature valid and trusted, covering the whole file
    (or followed only by validation data), and its Keywords naming the manifest's SHA-256."""
    signatures = [s for s in report.signatures if s.kind is SignatureKind.SIGNATURE]
    if not signatures:
        return SEAL, "清单签章页没有签章 / the manifest seal page is not sealed"
    seal = signatures[-1]
    wrong = [p.message for p in (*report.problems, *seal.problems)]
    if wrong:
        return SEAL, "; ".join(wrong)
    if not seal.unchanged_since:
        return SEAL, "清单签章页在盖章后被修改 / the seal page was changed after it was sealed"
    digest = sealed_digest(pdf)
    if digest is None:
        return SEAL, "清单签章页未载明清单的 SHA-256 / the seal page names no manifest SHA-256"
    actual = hashlib.sha256(manifest_json).hexdigest()
    if digest != actual:
        return MANIFEST, (f"manifest.json 与签章页所载不符 / manifest.json is not the sealed one "
                f"(SHA-256 {actual}; sealed {digest})")
    return None
