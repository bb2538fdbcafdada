"""Walking an instance alongside its schema: which subschemas apply where, titles, money fields."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from referencing._core import Resolver  # not re-exported by referencing, but its documented type

from schemas import _store

Applied = list[tuple[dict[str, Any], Resolver[Any]]]
"""The subschemas that apply in place to one value, each with the resolver for its `$ref`s."""

MISSING = object()
"""Stands for a value that is not in the instance (a missing required property)."""


def escape(key: str | int) -> str:
    """One JSON pointer reference token."""
    return str(key).replace("~", "~0").replace("/", "~1")


def pointer(path: Sequence[str | int]) -> str:
    return "".join("/" + escape(p) for p in path)


_CONDITIONS: dict[int, tuple[Any, Draft202012Validator]] = {}


def _holds(condition: Any, instance: Any) -> bool:
    # Our `if` conditions test plain values and hold no relative $ref; the registry is given so
    # that nothing is ever fetched from the network.
    if instance is MISSING:
        return False
    cached = _CONDITIONS.get(id(condition))
    if cached is None or cached[0] is not condition:
        cached = _CONDITIONS[id(condition)] = (
            condition, Draft202012Validator(condition, registry=_store.registry())
        )
    return cached[1].is_valid(instance)


def expand(schema: Any, resolver: Resolver[Any], instance: Any) -> Applied:
    """`schema` and every subschema it applies in place: $ref, allOf, the chosen if-branch.

    Every alternative of anyOf/oneOf is included: they serve here only to allow null or to
    ask for one of several properties, never to choose between two meanings of a value.
    """
    out: Applied = []

    def visit(s: Any, r: Resolver[Any]) -> None:
        if not isinstance(s, dict):
            return
        out.append((s, r))
        if "$ref" in s:
            resolved = r.lookup(s["$ref"])
            visit(resolved.contents, resolved.resolver)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in s.get(keyword, ()):
                visit(sub, r)
        if "if" in s and instance is not MISSING:
            branch = "then" if _holds(s["if"], instance) else "else"
            if branch in s:
                visit(s[branch], r)

    visit(schema, resolver)
    return out


def _children(applied: Applied, key: str | int) -> Iterator[tuple[Any, Resolver[Any]]]:
    for s, r in applied:
        if isinstance(key, str):
            props = s.get("properties", {})
            if key in props:
                yield props[key], r
                continue
            matched = False
            for pattern, sub in s.get("patternProperties", {}).items():
                if re.search(pattern, key):
                    matched = True
                    yield sub, r
            extra = s.get("additionalProperties")
            if not matched and isinstance(extra, dict):
                yield extra, r
        else:
            prefix = s.get("prefixItems", ())
            if key < len(prefix):
                yield prefix[key], r
            elif isinstance(s.get("items"), dict):
                yield s["items"], r


def child(applied: Applied, key: str | int, value: Any) -> Applied:
    """What applies to the member `key` (with value `value`) of a value `applied` covers."""
    out: Applied = []
    for s, r in _children(applied, key):
        out.extend(expand(s, r, value))
    return out


def root(name: str, instance: Any) -> Applied:
    resolved = _store.registry().resolver().lookup(_store.uri(name))
    return expand(resolved.contents, resolved.resolver, instance)


def applied_at(name: str, instance: Any, path: Sequence[str | int]) -> Applied:
    """What applies at `path` of `instance` under schema `name` (MISSING past the instance)."""
    applied = root(name, instance)
    value = instance
    for key in path:
        try:
            value = value[key] if value is not MISSING else MISSING
        except (KeyError, IndexError, TypeError):
            value = MISSING
        applied = child(applied, key, value)
    return applied


def title(applied: Applied) -> str | None:
    """The first title found: a property's own title comes before that of the type it uses."""
    return next((s["title"] for s, _ in applied if isinstance(s.get("title"), str)), None)


def is_def(applied: Applied, defname: str) -> bool:
    target = _store.common_def(defname)
    return any(s is target for s, _ in applied)


def money_values(name: str, instance: Any) -> list[tuple[str, Decimal, str | None]]:
    """Every value whose schema is common.json's `money`, in document order."""
    money = re.compile(_store.common_def("money")["pattern"])
    out: list[tuple[str, Decimal, str | None]] = []

    def walk(applied: Applied, value: Any, path: list[str | int], row: Any) -> None:
        if not applied:
            return
        if isinstance(value, str) and money.match(value) and is_def(applied, "money"):
            currency = row.get("currency") if isinstance(row, dict) else None
            out.append((pointer(path), Decimal(value), currency if isinstance(currency, str)
                        else None))
        elif isinstance(value, dict):
            for key, member in value.items():
                walk(child(applied, key, member), member, [*path, key], value)
        elif isinstance(value, list):
            for index, member in enumerate(value):
                walk(child(applied, index, member), member, [*path, index], value)

    walk(root(name, instance), instance, [], None)
    return out
