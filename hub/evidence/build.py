"""Building an evidence bundle: the files, a manifest of their hashes and signatures, a README."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from hub.evidence._material import gather, is_pdf
from hub.evidence._names import MANIFEST, README, SEAL, check_names
from hub.evidence._readme import readme
from hub.evidence._signatures import entries, listed, unreadable
from hub.evidence._zip import MAX_ENTRIES, MAX_TOTAL_SIZE, write_zip
from hub.evidence.errors import InvalidBundleFile
from hub.evidence.manifest import FileEntry, Manifest
from hub.evidence.seal import Seal, manifest_keywords
from signing import ValidationReport, list_signatures

__all__ = ["build_bundle"]

_HEADROOM = 1024 * 1024
"""Room left under the size bound for manifest.json and README.txt."""


async def build_bundle(files: Mapping[str, bytes], *, metadata: Mapping[str, Any],
                       reports: Mapping[str, ValidationReport] | None = None,
                       seal: Seal | None = None) -> bytes:
    """A ZIP of ``files`` (name in the bundle → bytes) with ``manifest.json`` and ``README.txt``.

    The output depends only on the arguments: fixed time-stamps, names in order, no extra
    fields. Each PDF's signatures are recorded as ``signing.validate_pdf`` names them (listed
    by ``signing.list_signatures``, which validates nothing: a signature that does not validate
    now is recorded all the same, and ``verify_bundle`` validates every one against the
    bundle's own ``trust/*.pem``, ``certificates/*.pem`` and ``revocation/*.crl``).
    ``manifest.json`` comes first in the ZIP, so even a cut off download still says what it
    should have held.
    Raises InvalidBundleFile (a ValueError) naming the file for an absolute name, a name with
    ``..``, one that collides with another or with manifest.json/README.txt, trust material
    that cannot be read, an unreadable PDF, or metadata that is not JSON.
    ``reports`` holds validation reports the caller has just made of some of these PDFs,
    offline against the same trust material; their signatures are taken from those.
    ``seal`` makes ``manifest.seal.pdf``, the hub-sealed page whose signed Keywords carry the
    manifest's SHA-256 (``verify_bundle`` requires it); a sealed bundle's bytes vary with the
    seal's signing time.
    """
    names = sorted(files)
    check_names(names)
    _check_size(files)
    _, errors = gather(files)
    if errors:
        raise InvalidBundleFile(*next(iter(errors.items())))
    known = reports or {}
    entries = [await _entry(name, bytes(files[name]), known.get(name))
               for name in names]
    note = readme(metadata, names)
    entries.append(FileEntry(README, hashlib.sha256(note).hexdigest(), len(note)))
    try:
        manifest = Manifest(metadata, tuple(entries)).to_json()
    except (TypeError, ValueError) as e:
        raise InvalidBundleFile(MANIFEST, f"metadata: {e}") from None
    head = [(MANIFEST, manifest)]
    if seal is not None:
        head.append((SEAL, await seal(json.loads(manifest), manifest_keywords(manifest))))
    return write_zip([*head, (README, note), *((n, files[n]) for n in names)])


def _check_size(files: Mapping[str, bytes]) -> None:
    """Refuse a bundle over the bounds ``verify_bundle`` enforces."""
    if len(files) + 2 > MAX_ENTRIES:
        raise InvalidBundleFile(MANIFEST, f"more than {MAX_ENTRIES - 2} files")
    bound = MAX_TOTAL_SIZE - _HEADROOM
    if sum(len(c) for c in files.values()) > bound:
        raise InvalidBundleFile(MANIFEST, f"more than {bound} bytes in all")


async def _entry(name: str, content: bytes, report: ValidationReport | None) -> FileEntry:
    """The manifest entry of one file; for a PDF, with its signatures (from ``report`` when
    the caller validated it already)."""
    digest = hashlib.sha256(content).hexdigest()
    if not is_pdf(name):
        return FileEntry(name, digest, len(content))
    if report is None:
        try:
            found = await asyncio.to_thread(list_signatures, content)
        except ValueError as e:
            raise InvalidBundleFile(name, str(e)) from None
        return FileEntry(name, digest, len(content), entries(found))
    reason = unreadable(report)
    if reason is not None:
        raise InvalidBundleFile(name, reason)
    return FileEntry(name, digest, len(content), listed(report))
