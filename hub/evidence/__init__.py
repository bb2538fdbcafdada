"""Evidence bundles: a ZIP of a confirmation's documents, checkable offline years later."""

from hub.evidence._zip import MAX_ENTRIES, MAX_TOTAL_SIZE
from hub.evidence.build import build_bundle
from hub.evidence.errors import InvalidBundleFile
from hub.evidence.manifest import (
    FORMAT,
    FORMAT_VERSION,
    FileEntry,
    ListedSignature,
    Manifest,
    ManifestError,
    parse_manifest,
)
from hub.evidence.render import render_bundle_report
from hub.evidence.report import BundleProblem, BundleReport, FileResult, FileStatus
from hub.evidence.verify import verify_bundle

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_ENTRIES",
    "MAX_TOTAL_SIZE",
    "BundleProblem",
    "BundleReport",
    "FileEntry",
    "FileResult",
    "FileStatus",
    "InvalidBundleFile",
    "ListedSignature",
    "Manifest",
    "ManifestError",
    "build_bundle",
    "parse_manifest",
    "render_bundle_report",
    "verify_bundle",
]
