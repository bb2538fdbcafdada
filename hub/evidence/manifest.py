"""manifest.json: what a bundle holds, each file's SHA-256 and size and a PDF's signatures."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hub.domain.jsonvalue import json_default

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "FileEntry",
    "ListedSignature",
    "Manifest",
    "ManifestError",
    "parse_manifest",
]

FORMAT = "confirmation-hub/evidence-bundle"
FORMAT_VERSION = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(ValueError):
    """manifest.json is not a manifest this version understands."""


@dataclass(frozen=True)
class ListedSignature:
    """A signature (or document time-stamp) of a PDF as the validator found it."""

    field_name: str
    kind: str
    """``signature`` or ``document-timestamp`` (signing.SignatureKind)."""
    signer: str
    """Subject of the signer's (or TSA's) certificate."""
    certificate_sha256: str
    """SHA-256 fingerprint (hex) of that certificate."""


@dataclass(frozen=True)
class FileEntry:
    """One file of the bundle as the manifest records it."""

    name: str
    sha256: str
    size: int
    signatures: tuple[ListedSignature, ...] | None = None
    """For a PDF, the signatures it carries (possibly none); ``None`` for other files."""


@dataclass(frozen=True)
class Manifest:
    """The whole manifest."""

    metadata: Mapping[str, Any]
    """What the hub says the bundle is about: letter number, confirmation id, created_at…"""
    files: tuple[FileEntry, ...]

    def to_json(self) -> bytes:
        """Deterministic JSON: sorted keys, files in name order, UTF-8."""
        body = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "metadata": dict(self.metadata),
            "files": [_entry_json(f) for f in sorted(self.files, key=lambda f: f.name)],
        }
        text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True, default=json_default)
        return (text + "\n").encode("utf-8")


def _entry_json(entry: FileEntry) -> dict[str, Any]:
    """One file's JSON object."""
    out: dict[str, Any] = {"name": entry.name, "sha256": entry.sha256, "size": entry.size}
    if entry.signatures is not None:
        out["signatures"] = [
            {
                "field_name": s.field_name,
                "kind": s.kind,
                "signer": s.signer,
                "certificate_sha256": s.certificate_sha256,
            }
            for s in entry.signatures
        ]
    return out


def parse_manifest(data: bytes) -> Manifest:
    """Read manifest.json; ManifestError says what is wrong with it."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(f"not JSON: {e}") from None
    if not isinstance(body, dict):
        raise ManifestError("not a JSON object")
    if body.get("format") != FORMAT:
        raise ManifestError(f"format is not {FORMAT!r}")
    if body.get("version") != FORMAT_VERSION:
        raise ManifestError(f"version {body.get('version')!r} is not {FORMAT_VERSION}")
    metadata, files = body.get("metadata"), body.get("files")
    if not isinstance(metadata, dict):
        raise ManifestError("metadata is not an object")
    if not isinstance(files, list):
        raise ManifestError("files is not a list")
    entries = tuple(_entry(i, f) for i, f in enumerate(files))
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise ManifestError("a file is listed twice")
    return Manifest(MappingProxyType(metadata), entries)


def _text(where: str, item: Mapping[str, Any], key: str) -> str:
    """The string ``item[key]``, or ManifestError saying where it is not one."""
    value = item.get(key)
    if not isinstance(value, str):
        raise ManifestError(f"{where}: {key} is not a string")
    return value


def _entry(index: int, item: Any) -> FileEntry:
    """One entry of ``files``, checked."""
    where = f"files[{index}]"
    if not isinstance(item, dict):
        raise ManifestError(f"{where} is not an object")
    name, sha256, size = _text(where, item, "name"), _text(where, item, "sha256"), item.get("size")
    if not _SHA256.match(sha256):
        raise ManifestError(f"{where} ({name}): sha256 is not 64 lowercase hex digits")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ManifestError(f"{where} ({name}): size is not a non-negative integer")
    listed = item.get("signatures")
    if listed is None:
        return FileEntry(name, sha256, size)
    if not isinstance(listed, list) or not all(isinstance(s, dict) for s in listed):
        raise ManifestError(f"{where} ({name}): signatures is not a list of objects")
    keys = ("field_name", "kind", "signer", "certificate_sha256")
    signatures = tuple(
        ListedSignature(*(_text(f"{where} ({name})", s, k) for k in keys)) for s in listed
    )
    return FileEntry(name, sha256, size, signatures)
