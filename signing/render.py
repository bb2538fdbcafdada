"""Plain-text rendering of a validation report with Chinese and English labels (hub verify)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from signing.report import Coverage, SignatureKind, SignatureReport, ValidationReport

__all__ = ["render_text"]

_WIDTH = 40


def _time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _yes(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _line(label: str, value: str) -> str:
    # Pad by display width: a CJK character takes two terminal columns.
    return f"    {label}{' ' * max(1, _WIDTH - _width(label))}{value}"


def _coverage(s: SignatureReport) -> str:
    later = s.revisions - s.revision
    if s.coverage is Coverage.WHOLE_FILE:
        return "整个文件 / the whole file"
    if s.coverage is Coverage.REVISION:
        return (
            f"修订版本 {s.revision}/{s.revisions}，其后追加 {later} 个 / "
            f"revision {s.revision} of {s.revisions}, {later} later revision(s) not covered"
        )
    return "不完整（异常）/ partial (abnormal)"


def _signature(index: int, s: SignatureReport) -> list[str]:
    kind = (
        "签名 / Signature"
        if s.kind is SignatureKind.SIGNATURE
        else "文档时间戳 / Document time-stamp"
    )
    ts = s.timestamp
    stamp = "无 / none"
    if ts:
        trust = _yes(ts.trusted, "可信 / trusted", "不可信 / NOT trusted")
        stamp = f"{_time(ts.time)} — {ts.authority} ({trust})"
    chain = " → ".join(s.chain) if s.chain else "未找到可信链 / no trusted chain"
    lines = [
        f"[{index}] {kind}: {s.field_name}",
        _line("结论 / Verdict:", _yes(s.ok, "有效 / VALID", "无效 / INVALID")),
        _line("签名人 / Signer:", s.signer),
        _line("证书指纹 / Certificate SHA-256:", s.certificate_sha256),
        _line("信任链 / Chain:", chain),
        _line("声称的签名时间 / Claimed time:", _time(s.signing_time)),
        _line("时间戳 / Time-stamp:", stamp),
        _line(
            "完整性 / Integrity:",
            _yes(s.intact and s.valid, "内容未被更改 / intact", "已被篡改或签名无效 / NOT intact"),
        ),
        _line("覆盖范围 / Coverage:", _coverage(s)),
        _line(
            "签名后修改 / Changes after signing:",
            s.modification.label if s.modification else "无法分析 / not analysed",
        ),
    ]
    if s.kind is SignatureKind.SIGNATURE:
        level = str(s.pades_level or "非 PAdES / not PAdES")
        lines.append(_line("PAdES 级别 / PAdES level:", level))
    if s.problems:
        lines.append(_line("问题 / Problems:", ""))
        lines.extend(f"      - {p.message}" for p in s.problems)
    return lines


def render_text(report: ValidationReport) -> str:
    """The report as text: a verdict first, then every signature with its findings."""
    verdict = _yes(report.ok, "全部签名有效 / ALL SIGNATURES VALID", "无效 / NOT VALID")
    lines = [
        "签名验证报告 / Signature validation report",
        f"验证时间 / Validation time: {_time(report.validation_time)}",
        f"修订版本 / Revisions: {report.revisions}",
        f"结论 / Verdict: {verdict}",
    ]
    lines.extend(f"  - {p.message}" for p in report.problems)
    for index, signature in enumerate(report.signatures, start=1):
        lines.append("")
        lines.extend(_signature(index, signature))
    return "\n".join(lines) + "\n"
