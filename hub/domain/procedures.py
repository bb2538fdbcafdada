"""Alternative procedures (替代程序) an auditor notes on a confirmation: append-only notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.errors import ValidationFailed

MAX_TEXT = 2000
MAX_CONCLUSION = 500


@dataclass(frozen=True)
class AlternativeProcedure:
    """One note: what the auditor did instead of (or besides) the reply, and what it showed.

    Notes are never changed or deleted; a correction is a new note."""

    id: str
    confirmation_id: str
    text: str
    noted_by: str  # the caller's actor, e.g. "auditor:<key id>"
    noted_at: datetime
    conclusion: str | None = None
    idempotency_key: str | None = None


def clean_note(text: str, conclusion: str | None) -> tuple[str, str | None]:
    """The note's text and conclusion trimmed, or ValidationFailed naming the field at fault."""
    body = text.strip()
    if not body:
        raise ValidationFailed("describe the alternative procedure (替代程序)", field="/text")
    if len(body) > MAX_TEXT:
        raise ValidationFailed(f"the text exceeds {MAX_TEXT} characters", field="/text")
    if conclusion is None:
        return body, None
    result = conclusion.strip()
    if len(result) > MAX_CONCLUSION:
        raise ValidationFailed(f"the conclusion exceeds {MAX_CONCLUSION} characters",
                               field="/conclusion")
    return body, result or None
