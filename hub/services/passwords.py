"""Password hashing with argon2id (a memory-hard KDF), off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True)
class KdfParameters:
    """argon2id cost; the defaults are RFC 9106's second recommended option (64 MiB, t=3, p=4)."""

    time_cost: int = 3
    """Passes over memory."""
    memory_kib: int = 65536
    """Memory per hash, in KiB (64 MiB)."""
    parallelism: int = 4
    """Lanes."""


class PasswordKdf:
    """Hashes and checks passwords; each call runs in a worker thread (~50 ms of CPU)."""

    def __init__(self, params: KdfParameters | None = None) -> None:
        p = params or KdfParameters()
        self._hasher = PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_kib,
                                      parallelism=p.parallelism, hash_len=32, salt_len=16,
                                      type=Type.ID)
        # Checked against when the login is unknown, so both answers take as long (made on
        # first need: building the hub does no hashing).
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """The PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; with no stored hash, spends the same time."""
        return await asyncio.to_thread(self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        if stored is None and self._dummy is None:
            self._dummy = self._hasher.hash("not a password of anyone")
        against = stored if stored is not None else self._dummy or ""
        try:
            return self._hasher.verify(against, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters than this KDF's (an unreadable
        hash never matches, so it is never rehashed either)."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return False
