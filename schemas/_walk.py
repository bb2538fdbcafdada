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


_CONDITIONS: dict[int, tuple[Any, Any]] = {}


def _holds(condition: Any, instance: Any) -> bool:
    # Our `if` conditions test plain values and hold no relative $ref; the registry is given so
    # that nothing is ever fetched from the network. Checked in Rust, like schemas.validate;
    # a value JSON does not have (a Decimal) goes to the Python validator.
    if instance is MISSING:
        return False
    cached = _CONDITIONS.get(id(condition))
    if cached is None or cached[0] is not condition:
        cached = _CONDITIONS[id(condition)] = (condition, _store.fast_validator_for(condition))
    try:
        return bool(cached[1].is_valid(instance))
    except (TypeError, ValueError):
        return bool(
            Draft202012Validator(condition, registry=_store.registry()).is_valid(instance)
        )


_REFS: dict[int, tuple[Any, Any]] = {}


def _lookup(s: dict[str, Any], r: Resolver[Any]) -> Any:
    """What the `$ref` of `s` points at; a schema's `$ref` always means the same, so cached."""
    hit = _REFS.get(id(s))
    if hit is None or hit[0] is not s:
        hit = _REFS[id(s)] = (s, r.lookup(s["$ref"]))
    return hit[1]


def expand(schema: Any, resolver: Resolver[Any], instance: Any) -> Applied:
    """`schema` and every subschema it applies in place: $ref, allOf, the chosen if-branch.

    Every alternative of anyOf/oneOf is included: they serve here only to allow null or to
    ask for one of several properties, never to choose between two meanings of a value.
    """
    return _expand(schema, resolver, instance)[0]


def _expand(schema: Any, resolver: Resolver[Any], instance: Any) -> tuple[Applied, bool]:
    """expand(), and whether the result holds for any instance (no `if` was consulted)."""
    out: Applied = []
    consulted_if = False

    def visit(s: Any, r: Resolver[Any]) -> None:
        nonlocal consulted_if
        if not isinstance(s, dict):
            return
        out.append((s, r))
        if "$ref" in s:
            resolved = _lookup(s, r)
            visit(resolved.contents, resolved.resolver)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in s.get(keyword, ()):
                visit(sub, r)
        if "if" in s and instance is not MISSING:
            consulted_if = True
            branch = "then" if _holds(s["if"], instance) else "else"
            if branch in s:
                visit(s[branch], r)

    visit(schema, resolver)
    return out, not consulted_if


# The schemas are cached and never change, so what applies under a subschema that consults no
# `if` is the same for every instance: remember it (keyed by identity, the object kept alive).
_EXPANDED: dict[int, tuple[Any, Applied]] = {}
_CHILDREN: dict[tuple[int, str | int], tuple[Applied, Applied]] = {}
_COMBINED: dict[tuple[int, ...], tuple[list[Any], Applied]] = {}


def _expand_cached(schema: Any, resolver: Resolver[Any], instance: Any) -> tuple[Applied, bool]:
    hit = _EXPANDED.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1], True
    applied, stable = _expand(schema, resolver, instance)
    if stable:
        _EXPANDED[id(schema)] = (schema, applied)
    return applied, stable


def _child_cached(
    applied: Applied, stable: bool, key: str | int, value: Any
) -> tuple[Applied, bool]:
    """child(), remembered for a node whose own expansion holds for any instance."""
    slot: str | int = key
    if isinstance(key, int) and not any("prefixItems" in s for s, _ in applied):
        slot = -1  # every array member has the same `items`
    if stable:
        hit = _CHILDREN.get((id(applied), slot))
        if hit is not None and hit[0] is applied:
            return hit[1], True
    out: Applied = []
    all_stable = True
    sources = []
    for s, r in _children(applied, key):
        sub, sub_stable = _expand_cached(s, r, value)
        out.extend(sub)
        sources.append(s)
        all_stable = all_stable and sub_stable
    if not all_stable:
        return out, False
    # The same subschemas give the same list: one object for them, so its own children are
    # remembered too, even below a node that had to consult an `if`.
    ident = tuple(id(s) for s in sources)
    known = _COMBINED.get(ident)
    if known is None or any(a is not b for a, b in zip(known[0], sources, strict=True)):
        known = _COMBINED[ident] = (sources, out)
    if stable:
        _CHILDREN[(id(applied), slot)] = (applied, known[1])
    return known[1], True


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
    target = _store.common_def("money")
    out: list[tuple[str, Decimal, str | None]] = []

    def walk(applied: Applied, stable: bool, value: Any, path: list[str | int],
             row: Any) -> None:
        if not applied:
            return
        if isinstance(value, str):
            if money.match(value) and any(s is target for s, _ in applied):
                currency = row.get("currency") if isinstance(row, dict) else None
                out.append((pointer(path), Decimal(value),
                            currency if isinstance(currency, str) else None))
        elif isinstance(value, dict):
            for key, member in value.items():
                walk(*_child_cached(applied, stable, key, member), member, [*path, key], value)
        elif isinstance(value, list):
            for index, member in enumerate(value):
                walk(*_child_cached(applied, stable, index, member), member, [*path, index],
                     value)

    resolved = _store.registry().resolver().lookup(_store.uri(name))
    walk(*_expand_cached(resolved.contents, resolved.resolver, instance), instance, [], None)
    return out
