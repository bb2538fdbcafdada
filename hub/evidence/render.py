"""Plain-text rendering of a bundle report with Chinese and English labels (hub verify)."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.evidence.report import BundleReport, FileResult, FileStatus

__all__ = ["render_bundle_report"]

_STATUS = {
    FileStatus.OK: "通过 / ok",
    FileStatus.ALTERED: "已被更改 / ALTERED",
    FileStatus.MISSING: "缺失 / MISSING",
    FileStatus.UNEXPECTED: "多余文件 / UNEXPECTED",
    FileStatus.INVALID_SIGNATURE: "签名无效 / INVALID SIGNATURE",
}
_METADATA = {
    "letter_number": "函证编号 / Letter number",
    "confirmation_id": "函证业务编号 / Confirmation id",
    "created_at": "生成时间 / Created at",
}


def _time(value: datetime) -> str:
    """A time in UTC, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _file(result: FileResult) -> list[str]:
    """The lines of one file: status and name, why, and who signed it."""
    lines = [f"  [{_STATUS[result.status]}] {result.name}"]
    if result.message:
        lines.append(f"      {result.message}")
    lines += [f"      签名 / signature {s.field_name}: {s.signer} "
              f"(SHA-256 {s.certificate_sha256})" for s in result.signatures]
    return lines


def render_bundle_report(report: BundleReport) -> str:
    """The report as text: the verdict first, then what the bundle is, its files, its problems."""
    verdict = "通过 / VALID" if report.ok else "未通过 / NOT VALID"
    lines = [
        "证据包验证报告 / Evidence bundle verification report",
        f"验证时间 / Validation time: {_time(report.validation_time)}",
        f"结论 / Verdict: {verdict}",
    ]
    for key, value in report.metadata.items():
        if value is not None:
            lines.append(f"{_METADATA.get(key, key)}: {value}")
    if report.trust_anchors:
        lines += ["", "信任锚（请与公布的指纹核对）/ Trust anchors (compare with the published "
                      "fingerprint):"]
        lines += [f"  {anchor}" for anchor in report.trust_anchors]
    if report.files:
        lines += ["", "文件 / Files:"]
        for result in report.files:
            lines += _file(result)
    if report.problems:
        lines += ["", "问题 / Problems:"]
        lines += [f"  - {problem}" for problem in report.problems]
    return "\n".join(lines) + "\n"
