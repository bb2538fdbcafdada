"""JSON text for responses, JSON columns and request hashes: orjson, money as decimal strings."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # dates keep Python's isoformat(), as before


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Compact JSON text, Unicode kept, Decimal as its string, dates as ISO 8601."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:  # integers beyond 64 bits: the standard library takes them
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same content."""
    try:
        return orjson.dumps(value, default=_default,
                            option=_OPTIONS | orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                          default=_default).encode("utf-8")
