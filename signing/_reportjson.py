"""A validation report as JSON text and back, so processes can share what one of them found."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from signing.pades import Level
from signing.report import (
    Coverage,
    Modification,
    Problem,
    SignatureKind,
    SignatureReport,
    TimestampInfo,
    ValidationReport,
)

__all__ = ["report_from_json", "report_to_json"]

_FORMAT = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _problems(problems: tuple[Problem, ...]) -> list[list[str]]:
    return [[p.code, p.message] for p in problems]


def _signature(s: SignatureReport) -> dict[str, Any]:
    stamp = s.timestamp
    return {
        "field_name": s.field_name, "kind": s.kind.value, "signer": s.signer,
        "certificate_sha256": s.certificate_sha256, "chain": list(s.chain),
        "signing_time": _time(s.signing_time),
        "timestamp": None if stamp is None else [_time(stamp.time), stamp.authority,
                                                 stamp.trusted],
        "intact": s.intact, "valid": s.valid, "trusted": s.trusted, "revoked": s.revoked,
        "revision": s.revision, "revisions": s.revisions, "coverage": s.coverage.value,
        "modification": None if s.modification is None else s.modification.value,
        "pades_level": None if s.pades_level is None else s.pades_level.value,
        "problems": _problems(s.problems),
    }


def report_to_json(report: ValidationReport) -> str:
    """The report as JSON text (``report_from_json`` gives an equal report back)."""
    return json.dumps({
        "format": _FORMAT,
        "signatures": [_signature(s) for s in report.signatures],
        "validation_time": _time(report.validation_time),
        "revisions": report.revisions,
        "problems": _problems(report.problems),
    }, ensure_ascii=False, separators=(",", ":"))


def _parse_signature(d: dict[str, Any]) -> SignatureReport:
    stamp = d["timestamp"]
    return SignatureReport(
        field_name=d["field_name"], kind=SignatureKind(d["kind"]), signer=d["signer"],
        certificate_sha256=d["certificate_sha256"], chain=tuple(d["chain"]),
        signing_time=_parse_time(d["signing_time"]),
        timestamp=None if stamp is None else TimestampInfo(
            _parse_time(stamp[0]) or datetime.min, stamp[1], stamp[2]),
        intact=d["intact"], valid=d["valid"], trusted=d["trusted"], revoked=d["revoked"],
        revision=d["revision"], revisions=d["revisions"], coverage=Coverage(d["coverage"]),
        modification=None if d["modification"] is None else Modification(d["modification"]),
        pades_level=None if d["pades_level"] is None else Level(d["pades_level"]),
        problems=tuple(Problem(c, m) for c, m in d["problems"]),
    )


def report_from_json(text: str) -> ValidationReport:
    """The report ``report_to_json`` wrote; ValueError for anything else (another format)."""
    try:
        d = json.loads(text)
        if d.get("format") != _FORMAT:
            raise ValueError(f"not a report of format {_FORMAT}")
        return ValidationReport(
            signatures=tuple(_parse_signature(s) for s in d["signatures"]),
            validation_time=_parse_time(d["validation_time"]) or datetime.min,
            revisions=d["revisions"],
            problems=tuple(Problem(c, m) for c, m in d["problems"]),
        )
    except (KeyError, TypeError, IndexError, AttributeError) as e:
        raise ValueError(f"not a validation report: {e}") from e
