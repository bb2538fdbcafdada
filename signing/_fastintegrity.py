"""The integrity of a signature computed once per parsed document, not once per signature
validated: pyHanko's long-term validation (``ades_lta_validation``) first walks every signature
of the document for proof of existence and recomputes each one's integrity and difference
analysis, so a letter with two signatures had four difference analyses instead of two (about a
quarter of its validation). The result depends only on the parsed document (one reader per
validation, never changed) and the difference policy, so it is kept on the signature object.
"""

from __future__ import annotations

from typing import Any

from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

_original = EmbeddedPdfSignature.compute_integrity_info
_KEPT = "_hub_integrity_policy"


def compute_integrity_info(self: EmbeddedPdfSignature, diff_policy: Any = None,
                           skip_diff: bool = False) -> None:
    """EmbeddedPdfSignature.compute_integrity_info, done again only for another policy (or
    with the difference analysis after a run that skipped it)."""
    policy = diff_policy or DEFAULT_DIFF_POLICY
    kept = getattr(self, _KEPT, None)
    if self._integrity_checked and kept is not None and kept[0] is policy and (
            skip_diff or not kept[1]):
        return
    _original(self, diff_policy, skip_diff)
    setattr(self, _KEPT, (policy, skip_diff))


def install() -> None:
    """Make pyHanko keep each signature's integrity findings (idempotent)."""
    EmbeddedPdfSignature.compute_integrity_info = (  # type: ignore[method-assign]
        compute_integrity_info)
