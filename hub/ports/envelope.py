"""The message envelope and its one codec: a dict, and UTF-8 JSON bytes, both directions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.domain.errors import PermanentError
from hub.domain.jsonvalue import json_default

CONTENT_TYPE = "application/json"


class UndecodableMessage(PermanentError):
    """A message body is not a valid envelope; the consumer parks it."""

    code = "undecodable_message"


@dataclass(frozen=True)
class Envelope:
    """What travels on the broker; `message_id` is fixed when the outbox row is written."""

    message_id: str
    type: str
    occurred_at: str
    data: dict[str, Any]
    correlation_id: str | None = None
    schema_version: int = 1
    routing_key: str = ""
    """The key it was published with, as the broker delivered it (not part of the body)."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "message_id": self.message_id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "schema_version": self.schema_version,
            "data": self.data,
        }
        if self.correlation_id:
            d["correlation_id"] = self.correlation_id
        return d

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @classmethod
    def from_stored(cls, d: Mapping[str, Any], *, message_id: str | None = None) -> Envelope:
        """The envelope a stored dict holds (`message_id`, when given, is the row's own);
        lenient, as the dict was written by the hub itself."""
        return cls(
            message_id=message_id or str(d.get("message_id", "")),
            type=str(d.get("type", "")),
            occurred_at=str(d.get("occurred_at", "")),
            data=dict(d.get("data") or {}),
            correlation_id=d.get("correlation_id"),
            schema_version=int(d.get("schema_version", 1)),
        )

def encode(envelope: Envelope) -> bytes:
    """The envelope as compact UTF-8 JSON."""
    return json.dumps(
        envelope.to_dict(), ensure_ascii=False, separators=(",", ":"), default=json_default
    ).encode("utf-8")


def decode(body: bytes) -> Envelope:
    """Read an envelope; raises UndecodableMessage (a PermanentError) on anything malformed."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UndecodableMessage(f"message body is not UTF-8 JSON: {e}") from e
    if not isinstance(raw, dict):
        raise UndecodableMessage("message body is not a JSON object")
    return Envelope(
        message_id=_field(raw, "message_id", str),
        type=_field(raw, "type", str),
        occurred_at=_field(raw, "occurred_at", str),
        data=_field(raw, "data", dict),
        correlation_id=_optional(raw, "correlation_id", str),
        schema_version=_optional(raw, "schema_version", int) or 1,
    )


def _field(raw: dict[str, Any], name: str, kind: type) -> Any:
    if name not in raw:
        raise UndecodableMessage(f"envelope has no {name!r}", field=name)
    value = _optional(raw, name, kind)
    if value is None or (kind is str and not value):
        raise UndecodableMessage(f"envelope field {name!r} is empty", field=name)
    return value


def _optional(raw: dict[str, Any], name: str, kind: type) -> Any:
    value = raw.get(name)
    if value is None:
        return None
    # bool is an int in Python, never a schema version
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UndecodableMessage(
            f"envelope field {name!r} must be {kind.__name__}, not {type(value).__name__}",
            field=name,
        )
    return value


def envelope_or_raw(body: bytes) -> dict[str, Any]:
    """What to keep of a message when parking it: the envelope, or the raw text if unreadable."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"raw": body.decode("utf-8", errors="replace")}
    return raw if isinstance(raw, dict) else {"raw": raw}
