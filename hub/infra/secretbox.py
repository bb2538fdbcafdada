"""Secrets the hub keeps (webhook keys), encrypted with a key file outside the database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from hub.domain.errors import PermanentError


def keep_key(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key in `path`, made with `make` on first use (owner-only file, in an owner-only
    directory); two processes starting at once end up with the same key. Blocking."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(make())
                f.flush()
                os.fsync(f.fileno())
    return path.read_bytes().strip()


class FernetSecretBox:
    """hub.ports.SecretBox with Fernet (AES-128-CBC and HMAC-SHA256) and a key kept in
    `key_path` (made on first use). Building it reads nothing."""

    def __init__(self, key_path: Path) -> None:
        self._path = key_path
        self._fernet: Fernet | None = None

    async def _box(self) -> Fernet:
        if self._fernet is None:
            key = await asyncio.to_thread(keep_key, self._path, Fernet.generate_key)
            self._fernet = Fernet(key)
        return self._fernet

    async def seal(self, secret: str) -> str:
        return (await self._box()).encrypt(secret.encode("utf-8")).decode("ascii")

    async def unseal(self, sealed: str) -> str:
        try:
            return (await self._box()).decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as e:
            raise PermanentError(
                f"a stored secret cannot be decrypted with {self._path.name}: the key was "
                "replaced; register the webhook again") from e
