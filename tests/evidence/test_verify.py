"""Verifying a bundle offline: a fresh one passes, any change fails naming the file at fault."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from typing import Any

import pytest

from hub.evidence import FileStatus, build_bundle, render_bundle_report, verify_bundle
from hub.evidence.report import BundleReport
from tests.evidence.conftest import AT, METADATA, PDFS, Evidence, entries, manifest_of, rezip

ALL_FILES = (
    "README.txt", "certificates/bank.pem", "certificates/firm.pem", "letter.pdf",
    "reply.json", "reply.pdf", "revocation/intermediate-ca.crl", "revocation/root-ca.crl",
    "trust/root.pem", "validation/letter.txt", "validation/reply.txt", "workpaper.pdf",
)


SEAL = "manifest.seal.pdf"


def status(report: BundleReport, name: str) -> FileStatus:
    return {f.name: f.status for f in report.files}[name]


def blamed(report: BundleReport) -> set[str]:
    return {p.file for p in report.problems}


def with_manifest(items: list[tuple[str, bytes]], change: dict[str, bytes]) -> bytes:
    """The bundle with files replaced and the manifest rewritten to match: a careful forger."""
    manifest = json.loads(dict(items)["manifest.json"])
    for entry in manifest["files"]:
        if entry["name"] in change:
            entry["sha256"] = hashlib.sha256(change[entry["name"]]).hexdigest()
            entry["size"] = len(change[entry["name"]])
    change = {**change, "manifest.json": json.dumps(manifest).encode()}
    return rezip((n, change.get(n, c)) for n, c in items)


async def test_a_fresh_bundle_verifies(evidence: Evidence) -> None:
    report = await verify_bundle(evidence.bundle, at=AT)
    assert report.ok, render_bundle_report(report)
    assert report.problems == ()
    assert [f.name for f in report.files] == [*ALL_FILES, SEAL]
    letter = next(f for f in report.files if f.name == "letter.pdf")
    assert [s.field_name for s in letter.signatures] == ["FirmSeal"]
    assert report.metadata["letter_number"] == METADATA["letter_number"]
    [anchor] = report.trust_anchors
    assert evidence.pki.trust_roots()[0].sha256.hex() in anchor
    text = render_bundle_report(report)
    assert "通过 / VALID" in text and "FirmSeal" in text and "MC-2025-BJ-0417" in text


async def test_a_repacked_bundle_with_the_same_files_still_verifies(evidence: Evidence) -> None:
    report = await verify_bundle(rezip(entries(evidence.bundle)), at=AT)
    assert report.ok, render_bundle_report(report)


@pytest.mark.parametrize("name", ALL_FILES)
async def test_a_changed_byte_in_any_file_is_named(evidence: Evidence, name: str) -> None:
    items = entries(evidence.bundle)
    content = dict(items)[name]
    middle = len(content) // 2
    changed = content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1:]
    report = await verify_bundle(rezip((n, changed if n == name else c) for n, c in items), at=AT)
    assert not report.ok
    assert status(report, name) is FileStatus.ALTERED
    assert f"{name}: " in render_bundle_report(report)
    if name.startswith(("revocation/", "trust/")):  # without it no signature can be checked
        assert blamed(report) == {name, *PDFS, SEAL}
    else:
        assert blamed(report) == {name}


async def test_a_flipped_byte_in_the_zip_is_named(evidence: Evidence) -> None:
    with zipfile.ZipFile(io.BytesIO(evidence.bundle)) as archive:
        info = archive.getinfo("reply.pdf")
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    damaged = bytearray(evidence.bundle)
    damaged[at] ^= 0xFF
    report = await verify_bundle(bytes(damaged), at=AT)
    assert status(report, "reply.pdf") is FileStatus.ALTERED
    assert blamed(report) == {"reply.pdf"}


async def test_a_hash_changed_in_the_manifest_is_named(evidence: Evidence) -> None:
    items = entries(evidence.bundle)
    manifest = manifest_of(evidence.bundle)
    entry = next(f for f in manifest["files"] if f["name"] == "letter.pdf")
    entry["sha256"] = hashlib.sha256(b"another letter").hexdigest()
    changed = {"manifest.json": json.dumps(manifest).encode()}
    report = await verify_bundle(rezip((n, changed.get(n, c)) for n, c in items), at=AT)
    assert status(report, "letter.pdf") is FileStatus.ALTERED
    assert blamed(report) == {"letter.pdf", "manifest.json"}  # not the manifest the hub sealed


@pytest.mark.parametrize("name", ["letter.pdf", "validation/reply.txt", "trust/root.pem"])
async def test_a_removed_file_is_named(evidence: Evidence, name: str) -> None:
    items = [(n, c) for n, c in entries(evidence.bundle) if n != name]
    report = await verify_bundle(rezip(items), at=AT)
    assert not report.ok
    assert status(report, name) is FileStatus.MISSING
    assert name in blamed(report)


async def test_without_its_trust_anchor_no_signature_holds(evidence: Evidence) -> None:
    items = [(n, c) for n, c in entries(evidence.bundle) if n != "trust/root.pem"]
    report = await verify_bundle(rezip(items), at=AT)
    assert status(report, "trust/root.pem") is FileStatus.MISSING
    for pdf in PDFS:
        assert status(report, pdf) is FileStatus.INVALID_SIGNATURE

    files = {n: c for n, c in evidence.files.items() if not n.startswith("trust/")}
    report = await verify_bundle(await build_bundle(files, metadata=METADATA), at=AT)
    assert blamed(report) == {"trust/", *PDFS, SEAL}


@pytest.mark.parametrize("name", ["notes.txt", "validation/extra.txt", "../escape.pdf"])
async def test_an_added_file_is_named(evidence: Evidence, name: str) -> None:
    report = await verify_bundle(rezip([*entries(evidence.bundle), (name, b"added")]), at=AT)
    assert not report.ok
    assert status(report, name) is FileStatus.UNEXPECTED
    assert blamed(report) == {name}


async def test_a_readme_that_is_gone_or_extra_is_judged_by_the_manifest(
    evidence: Evidence,
) -> None:
    items = [(n, c) for n, c in entries(evidence.bundle) if n != "README.txt"]
    report = await verify_bundle(rezip(items), at=AT)
    assert blamed(report) == {"README.txt"}


async def test_an_altered_pdf_with_a_consistent_manifest_fails_its_signature(
    evidence: Evidence,
) -> None:
    letter = evidence.files["letter.pdf"]
    assert letter.count(b"595.28") >= 1
    forged = letter.replace(b"595.28", b"595.29", 1)  # the page size, inside the signed bytes
    report = await verify_bundle(with_manifest(entries(evidence.bundle), {"letter.pdf": forged}),
                                 at=AT)
    assert not report.ok
    assert status(report, "letter.pdf") is FileStatus.INVALID_SIGNATURE
    assert blamed(report) == {"letter.pdf", "manifest.json"}
    assert "FirmSeal" in next(p.message for p in report.problems if p.file == "letter.pdf")


async def test_a_pdf_swapped_for_another_signed_one_is_named(evidence: Evidence) -> None:
    # Validly signed, hashes rewritten, but not the signature the manifest lists.
    other = evidence.files["workpaper.pdf"]
    report = await verify_bundle(with_manifest(entries(evidence.bundle), {"reply.pdf": other}),
                                 at=AT)
    assert status(report, "reply.pdf") is FileStatus.INVALID_SIGNATURE
    assert blamed(report) == {"reply.pdf", "manifest.json"}


async def test_a_truncated_zip_names_the_cut_file_and_the_lost_ones(evidence: Evidence) -> None:
    with zipfile.ZipFile(io.BytesIO(evidence.bundle)) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    cut = names.index("letter.pdf")
    info = infos[cut]
    end = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    report = await verify_bundle(evidence.bundle[:end], at=AT, name="evidence.zip")
    assert not report.ok
    assert status(report, "letter.pdf") is FileStatus.ALTERED
    assert "truncated" in next(f.message for f in report.files if f.name == "letter.pdf")
    for lost in names[cut + 1:]:
        assert status(report, lost) is FileStatus.MISSING
    for kept in names[2:cut]:
        assert status(report, kept) is FileStatus.OK
    # the lost trust anchor and CRLs leave the seal page unverifiable too
    assert blamed(report) == {"evidence.zip", *names[cut:], SEAL}


async def test_a_zip_missing_only_its_directory_names_the_bundle(evidence: Evidence) -> None:
    report = await verify_bundle(evidence.bundle[:-30], at=AT)
    assert not report.ok
    assert blamed(report) == {"bundle.zip"}
    assert all(f.status is FileStatus.OK for f in report.files)


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04"])
async def test_something_that_is_not_a_zip_is_named(data: bytes) -> None:
    report = await verify_bundle(data, at=AT, name="x.zip")
    assert not report.ok
    assert blamed(report) == {"x.zip"}


async def test_a_missing_or_malformed_manifest_is_named(evidence: Evidence) -> None:
    items = entries(evidence.bundle)
    without = await verify_bundle(rezip((n, c) for n, c in items if n != "manifest.json"), at=AT)
    assert status(without, "manifest.json") is FileStatus.MISSING
    malformed = rezip((n, b"{" if n == "manifest.json" else c) for n, c in items)
    report = await verify_bundle(malformed, at=AT)
    assert status(report, "manifest.json") is FileStatus.ALTERED
    assert blamed(report) == {"manifest.json"}


async def test_too_many_entries_are_refused_unread() -> None:
    bomb = rezip((f"f{i}.txt", b"") for i in range(1_001))
    report = await verify_bundle(bomb, at=AT)
    assert blamed(report) == {"bundle.zip"} and report.files == ()


async def test_an_entry_declaring_a_huge_size_is_refused_unread(evidence: Evidence) -> None:
    bundle = bytearray(evidence.bundle)
    central = bundle.index(b"PK\x01\x02")  # the first directory entry: manifest.json
    struct.pack_into("<L", bundle, central + 24, 0xFFFF_0000)  # its uncompressed size
    report = await verify_bundle(bytes(bundle), at=AT)
    assert blamed(report) == {"bundle.zip"} and report.files == ()
    assert "zip bomb" in render_bundle_report(report)


async def test_an_unsigned_file_changed_with_a_consistent_manifest_is_caught_by_the_seal(
    evidence: Evidence,
) -> None:
    """A careful forger edits reply.json and rewrites its hash in the manifest: every listed
    file matches, but the hub's seal names the SHA-256 of the original manifest."""
    forged = evidence.files["reply.json"].replace(b"1", b"7", 1)
    assert forged != evidence.files["reply.json"]
    report = await verify_bundle(with_manifest(entries(evidence.bundle), {"reply.json": forged}),
                                 at=AT)
    assert not report.ok
    assert status(report, "reply.json") is FileStatus.OK
    assert blamed(report) == {"manifest.json"}
    assert "not the sealed one" in render_bundle_report(report)


async def test_a_bundle_without_its_manifest_seal_fails(evidence: Evidence) -> None:
    report = await verify_bundle(rezip((n, c) for n, c in entries(evidence.bundle) if n != SEAL),
                                 at=AT)
    assert status(report, SEAL) is FileStatus.MISSING
    assert blamed(report) == {SEAL}


async def test_a_seal_page_altered_after_sealing_is_named(evidence: Evidence) -> None:
    items = entries(evidence.bundle)
    page = dict(items)[SEAL]
    forged = page.replace(b"595.28", b"595.29", 1)
    assert forged != page
    report = await verify_bundle(rezip((n, forged if n == SEAL else c) for n, c in items), at=AT)
    assert status(report, SEAL) is FileStatus.INVALID_SIGNATURE
    assert blamed(report) == {SEAL}


async def test_the_seal_page_lists_every_file_with_its_hash(
    evidence: Evidence, pdf_text: Any,
) -> None:
    page = dict(entries(evidence.bundle))[SEAL]
    text = pdf_text(page)
    for entry in manifest_of(evidence.bundle)["files"]:
        assert entry["sha256"][:16] in text
    assert "证据包清单签章页" in text and METADATA["letter_number"] in text
