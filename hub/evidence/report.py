"""The result of checking a bundle: per file a status, and every problem naming its file."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from hub.evidence.manifest import ListedSignature

__all__ = ["BundleProblem", "BundleReport", "FileResult", "FileStatus"]


class FileStatus(enum.StrEnum):
    """What the check found for one file of the bundle."""

    OK = "ok"
    """Present, its SHA-256 and size match, and a PDF's signatures validate."""
    ALTERED = "altered"
    """Present but not what the manifest records (or unreadable)."""
    MISSING = "missing"
    """Listed in the manifest but not in the ZIP."""
    UNEXPECTED = "unexpected"
    """In the ZIP but not listed in the manifest."""
    INVALID_SIGNATURE = "invalid_signature"
    """A PDF whose bytes match the manifest but whose signatures do not validate (or differ
    from those the manifest lists)."""


@dataclass(frozen=True)
class FileResult:
    """The finding for one file."""

    name: str
    status: FileStatus
    message: str
    """Why, in Chinese and English; empty when nothing more needs saying."""
    signatures: tuple[ListedSignature, ...] = ()
    """For a PDF that was validated: the signatures found in it."""


@dataclass(frozen=True)
class BundleProblem:
    """One reason the bundle does not verify, naming the file at fault."""

    file: str
    """A file of the bundle, a folder (``trust/``) or the bundle itself."""
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(frozen=True)
class BundleReport:
    """Everything ``verify_bundle`` checked; ``ok`` only when there is no problem at all."""

    files: tuple[FileResult, ...]
    problems: tuple[BundleProblem, ...]
    validation_time: datetime
    """The time the signatures were validated at."""
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The manifest's metadata (letter number, confirmation id…), empty if unreadable."""
    trust_anchors: tuple[str, ...] = ()
    """The bundle's own roots (subject and SHA-256): compare with those the hub publishes."""

    @property
    def ok(self) -> bool:
        """True when every file is ok and nothing else is wrong."""
        return not self.problems and all(f.status is FileStatus.OK for f in self.files)
