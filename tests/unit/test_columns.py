"""Every schema property the hub stores fits its column: PostgreSQL refuses what is longer
(SQLite does not, so only this test finds it before a user on PostgreSQL does)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String

import schemas
from hub.db import tables

# (schema, path of property names) -> the column it is stored in.
STORED: list[tuple[str, tuple[str, ...], str]] = [
    ("engagement_create", ("name",), "engagements.name"),
    ("engagement_create", ("reference",), "engagements.reference"),
    ("engagement_create", ("client", "name"), "organisations.name"),
    ("engagement_create", ("client", "name"), "engagements.client_name"),
    ("responder_create", ("name",), "responders.name"),
    ("responder_create", ("name",), "organisations.name"),
    ("responder_create", ("endpoint",), "responders.endpoint"),
    ("responder_change", ("name",), "responders.name"),
    ("webhook_registration", ("url",), "webhooks.url"),
]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    file, _, pointer = ref.partition("#")
    target: Any = schemas.load(file.removesuffix(".json"))
    for part in pointer.strip("/").split("/"):
        target = target[part]
    return {**_resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}


def max_length(schema: str, path: tuple[str, ...]) -> int:
    node = _resolve(schemas.load(schema))
    for name in path:
        node = _resolve(node["properties"][name])
    assert "maxLength" in node, f"{schema} {'/'.join(path)} has no maxLength"
    return int(node["maxLength"])


@pytest.mark.parametrize(("schema", "path", "column"), STORED,
                         ids=[f"{s}:{'/'.join(p)}" for s, p, _ in STORED])
def test_a_stored_property_fits_its_column(schema: str, path: tuple[str, ...],
                                           column: str) -> None:
    table, _, name = column.partition(".")
    kind = tables.metadata.tables[table].c[name].type
    assert isinstance(kind, String)
    assert kind.length is None or kind.length >= max_length(schema, path), (
        f"{column} holds {kind.length} characters, {schema} allows {max_length(schema, path)}")


def test_every_stored_name_or_reference_column_is_listed() -> None:
    """A new short text column for a name must be listed above, so it is compared."""
    listed = {c for _, _, c in STORED}
    named = {f"{t.name}.{c.name}" for t in tables.metadata.tables.values() for c in t.c
             if c.name in ("name", "client_name", "reference") and isinstance(c.type, String)}
    assert named <= listed, named - listed
