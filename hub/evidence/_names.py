"""Which names a file may have inside an evidence bundle."""

from __future__ import annotations

import re

from hub.evidence.errors import InvalidBundleFile

MANIFEST = "manifest.json"
README = "README.txt"
SEAL = "manifest.seal.pdf"
"""The hub-sealed page whose signed Keywords carry manifest.json's SHA-256."""
RESERVED = frozenset({MANIFEST, README, SEAL})

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` may not be a bundle path (relative, ``/``-separated, no ``..``), or None."""
    if not name:
        return "the name is empty"
    if name.startswith("/") or _DRIVE.match(name):
        return "the name is absolute"
    if "\\" in name:
        return "the name contains a backslash (use / between folders)"
    if any(ord(c) < 32 for c in name):
        return "the name contains a control character"
    parts = name.split("/")
    if ".." in parts:
        return "the name contains '..'"
    if any(part in ("", ".") for part in parts):
        return "the name has an empty or '.' part (or is a folder)"
    return None


def check_names(names: list[str]) -> None:
    """Raise InvalidBundleFile for the first name that is unsafe, reserved or a duplicate.

    Names are compared case-insensitively: extracted on Windows or macOS, ``Letter.pdf`` and
    ``letter.pdf`` would overwrite each other.
    """
    seen: dict[str, str] = {}
    reserved = {r.casefold() for r in RESERVED}
    folders = {n.casefold().rsplit("/", i)[0] for n in names for i in range(1, n.count("/") + 1)}
    for name in names:
        reason = unsafe_reason(name)
        if reason is not None:
            raise InvalidBundleFile(name, reason)
        folded = name.casefold()
        if folded in reserved:
            raise InvalidBundleFile(name, "the bundle writes this file itself")
        if folded in folders:
            raise InvalidBundleFile(name, "the name is also a folder of another file")
        if folded in seen:
            raise InvalidBundleFile(name, f"the name collides with {seen[folded]!r}")
        seen[folded] = name
