"""The blob store on a directory: documents kept by their SHA-256, written atomically."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

from hub.domain.errors import NotFound

_SHA256 = re.compile(r"[0-9a-f]{64}")


class DirectoryBlobStore:
    """hub.ports.BlobStore under `root`: `ab/cd/abcd…` files, never changed once written.

    A blob is written to a temporary file, flushed to disk and renamed into place, so a crash
    leaves either the whole blob or none; storing the same bytes twice is a no-op.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise NotFound(f"no document {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, self.path(sha256), data)
        return sha256

    async def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as e:
            raise NotFound(f"no document {sha256}") from e
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"the stored document {sha256} is damaged: its SHA-256 differs")
        return data

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
