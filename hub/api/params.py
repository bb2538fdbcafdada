"""What routes read off their request: the app's dependencies, the caller, the page size, the
Idempotency-Key."""

from __future__ import annotations

from aiohttp import web

from hub.api.deps import CALLER, DEPS, ApiDeps
from hub.domain.errors import ValidationFailed
from hub.domain.model import Caller
from hub.domain.text import is_ascii_digits

MAX_LIMIT = 200


def deps_of(request: web.Request) -> ApiDeps:
    return request.app[DEPS]


def caller_of(request: web.Request) -> Caller:
    return request[CALLER]


def limit_of(request: web.Request) -> int:
    """The `limit` query parameter (default 50), or ValidationFailed naming it."""
    raw = request.query.get("limit", "50")
    if not is_ascii_digits(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be an integer from 1 to {MAX_LIMIT}", field="limit")
    return int(raw)


def idempotency_key_of(request: web.Request) -> str | None:
    """The Idempotency-Key header (1–200 characters), if given, or ValidationFailed naming it."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationFailed("Idempotency-Key must be 1–200 characters",
                               field="Idempotency-Key")
    return key
