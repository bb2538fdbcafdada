"""Column types that behave the same on PostgreSQL and SQLite: money, UTC timestamps, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from hub.domain.errors import ValidationFailed
from hub.infra.jsontext import dumps

MONEY_PRECISION = 24
MONEY_SCALE = 6
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)


def to_money(value: Any) -> Decimal:
    """The amount as stored: exactly MONEY_SCALE decimal places, or ValidationFailed.

    Both dialects return the same Decimal (PostgreSQL pads NUMERIC to its scale, so SQLite
    does too); an amount that does not fit is refused instead of being rounded.
    """
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        if not d.is_finite():
            raise ValidationFailed(f"amount {value!r} is not a finite number", field="amount")
        q = d.quantize(_QUANTUM)
    except InvalidOperation as e:
        raise ValidationFailed(
            f"amount {value!r} does not fit NUMERIC(24,6)", field="amount"
        ) from e
    if q != d:
        raise ValidationFailed(
            f"amount {value} has more than {MONEY_SCALE} decimal places", field="amount"
        )
    if abs(q) >= _LIMIT:
        raise ValidationFailed(f"amount {value} is too large to store", field="amount")
    return q


class Money(TypeDecorator[Decimal]):
    """NUMERIC(24,6) on PostgreSQL; TEXT on SQLite, whose NUMERIC would pass through float."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        d = to_money(value)
        return str(d) if dialect.name == "sqlite" else d

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always gives back timezone-aware UTC datetimes (SQLite keeps naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing a naive datetime {value!r}: give a timezone-aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def json_dumps(value: Any) -> str:
    """The engine's JSON serialiser: money as strings, dates as ISO 8601, Unicode kept."""
    return dumps(value)
