"""How a receiver checks a workpaper webhook: signature and replay window (README's example)."""

from __future__ import annotations

import hmac

from adapters.signed_http import signature

WINDOW_SECONDS = 300
"""How far X-Hub-Timestamp may be from the receiver's clock (5 minutes)."""


def verify_signature(secret: bytes | str, timestamp: str, body: bytes, header: str,
                     now: float, *, window: float = WINDOW_SECONDS) -> bool:
    """True when `header` (X-Hub-Signature) is "sha256=" + the hex HMAC-SHA256 with `secret`
    over `timestamp` (X-Hub-Timestamp, unix seconds) + "." + the raw `body`, and the
    timestamp lies within `window` seconds of `now`. Compared in constant time."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > window:
        return False
    expected = signature(key, timestamp, body)
    return hmac.compare_digest(header.encode("utf-8"), expected.encode("ascii"))
