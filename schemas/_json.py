"""Strict JSON for request bodies: UTF-8 only, no duplicate keys, no NaN, no floats."""

from __future__ import annotations

import codecs
import json
import re
from decimal import Decimal
from typing import Any

from hub.domain.errors import ValidationFailed
from hub.domain.text import describe, refused_at
from schemas._walk import escape

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# A raw control character is not JSON at all; escaped, it is looked for (walking only then).
_CONTROL_ESCAPE = re.compile(r"\\u00(?:[01][0-9a-fA-F]|7[fF])|\x7f")


class _Duplicated(dict[str, Any]):
    """An object that named some key twice; only ever seen inside parse_json."""

    duplicates: list[str]


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="body")


def _object(pairs: list[tuple[str, Any]], found: list[bool]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    found.append(True)
    marked = _Duplicated(obj)
    seen: set[str] = set()
    marked.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in marked.duplicates:
            marked.duplicates.append(key)
        seen.add(key)
    return marked


class _KeyGivenTwice(Exception):
    """Raised by _unique; parse_json then reads the body again to say where."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _KeyGivenTwice
    return obj


def _constant(name: str) -> Any:
    raise _fail(f"{name} is not JSON; send amounts and rates as decimal strings")


def _walk(value: Any) -> Any:
    """Yield (pointer, node) for every object, array and string, without recursion."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, node = stack.pop()
        yield where, node
        if isinstance(node, dict):
            for key, member in node.items():
                yield f"{where}/{escape(key)}", key
                stack.append((f"{where}/{escape(key)}", member))
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", member) for i, member in enumerate(node))


def _duplicates(value: Any) -> list[dict[str, str]]:
    errors = []
    for where, node in _walk(value):
        for key in getattr(node, "duplicates", ()):
            message = f"the key {key!r} is given more than once; give each field once"
            if key == "as_of_date":
                message += " (a letter has exactly one 函证基准日)"
            errors.append({"field": f"{where}/{escape(key)}", "message": message})
    return sorted(errors, key=lambda e: e["field"])


def _lone_surrogates(value: Any) -> list[dict[str, str]]:
    errors = []
    for where, node in _walk(value):
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                errors.append({"field": where or "body",
                               "message": "the text holds a lone surrogate (\\ud800–\\udfff)"})
    return errors


def _control_characters(value: Any) -> list[dict[str, str]]:
    return [{"field": where or "body", "message": describe(node)}
            for where, node in _walk(value)
            if isinstance(node, str) and refused_at(node) is not None]


def parse_json(body: bytes) -> Any:
    """Parse a request body strictly; numbers with a fraction or exponent become Decimal."""
    raw = bytes(body)
    if raw.startswith(codecs.BOM_UTF8):
        raise _fail("the body starts with a byte-order mark; send UTF-8 without one")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail(f"the body is not valid UTF-8 (bad byte at offset {e.start})") from e
    duplicated: list[bool] = []
    try:
        try:
            value = json.loads(text, object_pairs_hook=_unique, parse_float=Decimal,
                               parse_constant=_constant)
        except _KeyGivenTwice:  # rare: read again, marking every object that does it
            value = json.loads(
                text, object_pairs_hook=lambda pairs: _object(pairs, duplicated),
                parse_float=Decimal, parse_constant=_constant,
            )
    except json.JSONDecodeError as e:
        raise _fail(
            f"the body is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from e
    except RecursionError as e:
        raise _fail("the body is nested too deeply") from e
    except ValueError as e:  # an integer literal longer than Python will convert
        raise _fail(f"the body holds a number that cannot be read: {e}") from e
    problems = _duplicates(value) if duplicated else []  # the walk only when it finds some
    if _SURROGATE_ESCAPE.search(text):
        problems += _lone_surrogates(value)
    if _CONTROL_ESCAPE.search(text):
        problems += _control_characters(value)
    if problems:
        first = problems[0]
        raise ValidationFailed(first["message"], field=first["field"], errors=problems)
    return value
