"""Checking an evidence bundle offline: the ZIP, the manifest, every file and every signature."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from hub.evidence._material import (
    Material,
    describe,
    gather,
    is_certificate,
    is_crl,
    is_pdf,
    is_trust_anchor,
)
from hub.evidence._names import MANIFEST, RESERVED, SEAL, unsafe_reason
from hub.evidence._signatures import failures, listed, unreadable, validate
from hub.evidence._zip import Archive, read_zip
from hub.evidence.manifest import FileEntry, ListedSignature, ManifestError, parse_manifest
from hub.evidence.report import BundleProblem, BundleReport, FileResult, FileStatus
from hub.evidence.seal import seal_problem

__all__ = ["verify_bundle"]


async def verify_bundle(
    data: bytes, *, at: datetime | None = None, name: str = "bundle.zip"
) -> BundleReport:
    """Check the bundle ``data`` without network or database; never raises for a bad bundle.

    The ZIP must be readable and within the size bounds; manifest.json must be well-formed;
    every listed file must be present with its SHA-256 and size, and nothing else may be there
    (but README.txt); every PDF's signatures must validate against the bundle's own
    ``trust/*.pem`` and ``revocation/*.crl`` at ``at`` (default now) and be those the manifest
    lists (a naive ``at`` is UTC). ``name`` is how problems with the ZIP as a whole name it.
    """
    when = datetime.now(UTC) if at is None else at.replace(tzinfo=at.tzinfo or UTC)
    archive = read_zip(data, name)
    problems = [BundleProblem(f, m) for f, m in archive.problems]
    problems += [BundleProblem(n, f"文件名不安全 / unsafe name: {r}")
                 for n in (*archive.files, *archive.damaged) if (r := unsafe_reason(n))]
    if not archive.checkable:
        return BundleReport((), tuple(problems), when)
    manifest_result, entries, metadata = _read_manifest(archive)
    if manifest_result is not None:
        problems.append(BundleProblem(manifest_result.name, manifest_result.message))
        return BundleReport((manifest_result,), tuple(problems), when)
    results = {e.name: _check_file(e, archive) for e in entries}
    listed_names = set(results)
    for extra in sorted({*archive.files, *archive.damaged} - listed_names - RESERVED):
        results[extra] = FileResult(extra, FileStatus.UNEXPECTED,
                                    "清单未列出此文件 / not listed in the manifest")
    material = _material(archive, results)
    if not any(is_trust_anchor(e.name) for e in entries) and any(is_pdf(e.name) for e in entries):
        problems.append(BundleProblem("trust/", "证据包中没有信任锚 / the bundle holds no trust "
                                                "anchor (trust/*.pem)"))
    lacking = [n for n, r in results.items() if _is_material(n) and r.status is not FileStatus.OK]
    for entry in entries:
        if is_pdf(entry.name) and results[entry.name].status is FileStatus.OK:
            result = await _check_signatures(entry, archive.files[entry.name], material, when)
            if result.status is not FileStatus.OK and lacking:
                hint = f"（验证材料不全 / validation material incomplete: {', '.join(lacking)}）"
                result = replace(result, message=result.message + hint)
            results[entry.name] = result
    results[SEAL], manifest_problem = await _check_seal(archive, material, when)
    problems += [BundleProblem(r.name, r.message) for r in results.values()
                 if r.status is not FileStatus.OK]
    if manifest_problem is not None:
        problems.append(manifest_problem)
    anchors = tuple(describe(c) for c in material.roots)
    return BundleReport(tuple(results.values()), tuple(problems), when, metadata, anchors)


def _read_manifest(
    archive: Archive,
) -> tuple[FileResult | None, tuple[FileEntry, ...], Mapping[str, Any]]:
    """The manifest's entries and metadata, or the result saying why it cannot be used."""
    if MANIFEST in archive.damaged:
        message = f"{archive.damaged[MANIFEST]}：无法核对其他文件 / nothing else can be checked"
        return FileResult(MANIFEST, FileStatus.ALTERED, message), (), MappingProxyType({})
    if MANIFEST not in archive.files:
        message = "缺少清单，无法核对其他文件 / no manifest: nothing else can be checked"
        return FileResult(MANIFEST, FileStatus.MISSING, message), (), MappingProxyType({})
    try:
        manifest = parse_manifest(archive.files[MANIFEST])
    except ManifestError as e:
        message = f"清单格式错误 / the manifest is not well-formed: {e}"
        return FileResult(MANIFEST, FileStatus.ALTERED, message), (), MappingProxyType({})
    return None, manifest.files, manifest.metadata


def _check_file(entry: FileEntry, archive: Archive) -> FileResult:
    """Whether a listed file is there with the SHA-256 and size the manifest records."""
    if entry.name in archive.damaged:
        return FileResult(entry.name, FileStatus.ALTERED, archive.damaged[entry.name])
    content = archive.files.get(entry.name)
    if content is None:
        return FileResult(entry.name, FileStatus.MISSING,
                          "清单列出的文件不存在 / listed in the manifest but not in the bundle")
    if len(content) != entry.size or hashlib.sha256(content).hexdigest() != entry.sha256:
        return FileResult(
            entry.name, FileStatus.ALTERED,
            f"SHA-256 或大小与清单不符 / SHA-256 or size differs from the manifest "
            f"({len(content)} bytes, SHA-256 {hashlib.sha256(content).hexdigest()}; listed "
            f"{entry.size} bytes, SHA-256 {entry.sha256})",
        )
    return FileResult(entry.name, FileStatus.OK, "")


def _is_material(name: str) -> bool:
    """A file the signature checks rely on: trust anchor, certificate or CRL."""
    return is_trust_anchor(name) or is_certificate(name) or is_crl(name)


def _material(archive: Archive, results: dict[str, FileResult]) -> Material:
    """Roots, certificates and CRLs from the listed, intact files; unreadable ones are altered."""
    intact = {n: archive.files[n] for n, r in results.items() if r.status is FileStatus.OK}
    material, errors = gather(intact)
    for name, reason in errors.items():
        kind = "信任锚" if is_trust_anchor(name) else "证书或吊销列表"
        results[name] = FileResult(name, FileStatus.ALTERED, f"{kind}无法读取 / {reason}")
    return material


async def _check_signatures(
    entry: FileEntry, pdf: bytes, material: Material, at: datetime
) -> FileResult:
    """The result of a PDF whose bytes match: do its signatures validate, are they the listed?"""
    report = await validate(pdf, material, at)
    found, expected = listed(report), entry.signatures or ()
    reason = unreadable(report)
    if reason is not None:
        return FileResult(entry.name, FileStatus.INVALID_SIGNATURE, reason)
    if found != expected:
        message = (f"签名与清单不符 / the signatures differ from those the manifest lists: "
                   f"found {_names(found)}, listed {_names(expected)}")
        return FileResult(entry.name, FileStatus.INVALID_SIGNATURE, message, found)
    wrong = failures(report)
    if wrong:
        return FileResult(entry.name, FileStatus.INVALID_SIGNATURE, "; ".join(wrong), found)
    message = "" if found else "未签名 / not signed"
    return FileResult(entry.name, FileStatus.OK, message, found)


async def _check_seal(archive: Archive, material: Material, at: datetime
                      ) -> tuple[FileResult, BundleProblem | None]:
    """Whether manifest.seal.pdf is there and validly sealed, and (a problem naming
    manifest.json, or None) whether the manifest is the one it seals."""
    if SEAL in archive.damaged:
        return FileResult(SEAL, FileStatus.ALTERED, archive.damaged[SEAL]), None
    pdf = archive.files.get(SEAL)
    if pdf is None:
        return FileResult(SEAL, FileStatus.MISSING,
                          "缺少清单签章页，无法证明清单未被改动 / the manifest is not sealed: "
                          "nothing proves the files are the ones the hub packed"), None
    report = await validate(pdf, material, at)
    found = listed(report)
    fault = seal_problem(pdf, report, archive.files[MANIFEST])
    if fault is None:
        return FileResult(SEAL, FileStatus.OK, "", found), None
    at_fault, message = fault
    if at_fault == MANIFEST:
        return FileResult(SEAL, FileStatus.OK, "", found), BundleProblem(MANIFEST, message)
    return FileResult(SEAL, FileStatus.INVALID_SIGNATURE, message, found), None


def _names(signatures: tuple[ListedSignature, ...]) -> str:
    """Signatures in a few words: field names and certificate fingerprints."""
    if not signatures:
        return "none"
    return ", ".join(f"{s.field_name} ({s.certificate_sha256[:16]}…)" for s in signatures)
