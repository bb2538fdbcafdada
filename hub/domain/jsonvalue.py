"""How the hub's values become JSON, wherever it writes JSON: money (Decimal) and ids (UUID) as
strings, so nothing is rounded or lost; dates and times in ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


def json_default(value: object) -> str:
    """The `default` of json.dumps and orjson.dumps for the values JSON has no type for."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} has no JSON form")
