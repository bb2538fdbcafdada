"""API keys: generation and constant-time verification; only a hash is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict

from hub.domain.errors import Forbidden
from hub.domain.model import Caller, Role
from hub.ports import ApiKeyRecord

PREFIX = "hub"


def new_key() -> tuple[str, str, str]:
    """Return (key_id, full key to show once, hash of the secret to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{PREFIX}_{key_id}_{secret}", hash_secret(secret)


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def require_key_manager(caller: Caller | None) -> None:
    """On the API only a firm_admin manages keys, its own firm's (None: the CLI's hub admin)."""
    if caller is not None and caller.role is not Role.FIRM_ADMIN:
        raise Forbidden("only the firm's firm_admin manages its API keys", field="Authorization")


def split_key(presented: str) -> tuple[str, str] | None:
    """Split a presented key into (key_id, secret), or None when it is not of our shape."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


class KeyCache:
    """Key records read lately, each trusted for `seconds`; the secret is still checked."""

    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, ApiKeyRecord]] = OrderedDict()

    def get(self, key_id: str) -> ApiKeyRecord | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        if time.monotonic() - entry[0] >= self.seconds:
            del self._entries[key_id]
            return None
        return entry[1]

    def drop(self, key_id: str) -> None:
        self._entries.pop(key_id, None)

    def put(self, record: ApiKeyRecord) -> None:
        if self.seconds <= 0:
            return
        self._entries[record.id] = (time.monotonic(), record)
        self._entries.move_to_end(record.id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
