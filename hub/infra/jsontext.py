"""JSON text for responses, JSON columns and request hashes: orjson, money as decimal strings."""

from __future__ import annotations

import json
from typing import Any

import orjson

from hub.domain.jsonvalue import json_default

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # dates keep Python's isoformat(), as before


def dumps(value: Any) -> str:
    """Compact JSON text, Unicode kept, Decimal as its string, dates as ISO 8601."""
    try:
        return orjson.dumps(value, default=json_default, option=_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:  # integers beyond 64 bits: the standard library takes them
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=json_default)


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same content."""
    try:
        return orjson.dumps(value, default=json_default,
                            option=_OPTIONS | orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                          default=json_default).encode("utf-8")
