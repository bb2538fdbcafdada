"""The portal's secrets: link tokens (≥128 bits), codes, sessions and CSRF tokens, and the
hashes the hub keeps of them instead."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def link_token(secret: bytes, message_id: str) -> str:
    """The link token of one message: 256 bits, the same on every retry of that message (so a
    retry never sends a second, different link), unguessable without the hub's secret."""
    mac = hmac.new(secret, b"portal-link:" + message_id.encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    """What the database keeps of a link or session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A 6-digit verification code."""
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(secret: bytes, link_hash: str, code: str) -> str:
    """A keyed hash: a stolen database does not give 6-digit codes away by brute force."""
    return hmac.new(secret, f"portal-code:{link_hash}:{code}".encode(), hashlib.sha256
                    ).hexdigest()


def new_session() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: bytes, link_hash: str, session: str | None) -> str:
    """The token every form of a link carries (bound to the session once there is one)."""
    mac = hmac.new(secret, f"portal-csrf:{link_hash}:{session or ''}".encode(), hashlib.sha256)
    return mac.hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
