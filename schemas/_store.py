"""Finding, reading and caching the schema files, their examples and the registry linking them."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
BASE_URI = "https://confirmation-hub.example/schemas/"
"""Every schema's `$id` is this base plus its file name; `$ref`s between files are relative."""


@functools.cache
def names() -> tuple[str, ...]:
    """The schema names (file names without `.json`), sorted."""
    return tuple(sorted(p.stem for p in HERE.glob("*.json")))


@functools.cache
def example_names() -> tuple[str, ...]:
    """The example names (file names under examples/ without `.json`), sorted."""
    return tuple(sorted(p.stem for p in EXAMPLES.glob("*.json")))


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def raw(name: str) -> dict[str, Any]:
    """The cached schema itself; callers must not change it (use `load` for a copy)."""
    if name not in names():
        raise KeyError(f"no schema named {name!r}; known: {', '.join(names())}")
    schema: dict[str, Any] = _read(HERE / f"{name}.json")
    return schema


def load(name: str) -> dict[str, Any]:
    """A copy of the schema called `name` (e.g. "confirmation_request")."""
    return copy.deepcopy(raw(name))


@functools.cache
def _raw_example(name: str) -> Any:
    if name not in example_names():
        raise KeyError(f"no example named {name!r}; known: {', '.join(example_names())}")
    return _read(EXAMPLES / f"{name}.json")


def example(name: str) -> Any:
    """A copy of the example called `name` (e.g. "confirmation_request.bank_format1")."""
    return copy.deepcopy(_raw_example(name))


@functools.cache
def registry() -> Registry[Any]:
    """Every schema by its `$id`, so `$ref`s resolve offline."""
    resources = [
        (raw(n)["$id"], Resource.from_contents(raw(n), default_specification=DRAFT202012))
        for n in names()
    ]
    return Registry().with_resources(resources).crawl()


def uri(name: str) -> str:
    """The `$id` of the schema called `name`."""
    return str(raw(name)["$id"])


@functools.cache
def common_def(defname: str) -> dict[str, Any]:
    """The cached definition `defname` of common.json (compared by identity when walking)."""
    definition: dict[str, Any] = raw("common")["$defs"][defname]
    return definition


@functools.cache
def python_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled for Python's `re` with its ECMA-262 meaning, as JSON Schema wants.

    The one difference our patterns can meet: Python's `$` also matches before a final
    newline ("1.00\\n" would pass as an amount), so `$` outside a class becomes `\\Z`.
    Shorthands that differ more (\\d, \\s, \\w, `.`) are kept out of the schemas by a test.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not python_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


PythonValidator: Any = validators.extend(Draft202012Validator, {"pattern": _pattern})
"""Draft 2020-12 with `pattern` read as ECMA-262 (python_regex): the validator that explains."""

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


@functools.cache
def _unmarked(name: str) -> dict[str, Any]:
    """The schema `name` without its `$schema`, sharing every subschema with raw(name).

    jsonschema switches to its own class for a subschema that names its dialect, which would
    drop PythonValidator inside each file; every file is Draft 2020-12 (a test says so).
    """
    return {k: v for k, v in raw(name).items() if k != "$schema"}


@functools.cache
def python_registry() -> Registry[Any]:
    """registry() as the Python validator reads it: every file _unmarked."""
    resources = [
        (uri(n), Resource.from_contents(_unmarked(n), default_specification=DRAFT202012))
        for n in names()
    ]
    return Registry().with_resources(resources).crawl()


@functools.cache
def validator(name: str) -> Any:
    """A validator for the schema `name`, with format checking (dates, UUIDs, e-mail)."""
    return PythonValidator(
        _unmarked(name), registry=python_registry(), format_checker=FORMAT_CHECKER
    )


# ------------------------------------------------------------------ the same schemas, in Rust

INTEGER = "x-python-integer"
"""Marks every integer-typed subschema of the copies handed to jsonschema-rs (see NotDecimal)."""

_VALUES = frozenset({"const", "enum", "examples", "default"})
"""Keywords whose value is an instance, not a schema: copied as they are."""


class NotDecimal:
    """The INTEGER keyword: an integer is a Python int, never a Decimal such as 1.0 or 1E+400.

    JSON Schema counts 1.0 as an integer and jsonschema-rs follows it; the Python validator
    (and so every consumer of a body) takes only an int, as schemas.parse_json makes for a
    JSON number without a fraction or exponent.
    """

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        pass  # the keyword takes no options

    def validate(self, instance: Any) -> None:
        if isinstance(instance, Decimal):
            raise ValueError(f"{instance} is not an integer")


def for_rust(node: Any) -> Any:
    """A copy of a schema for jsonschema-rs: every integer-typed subschema marked INTEGER."""
    if isinstance(node, list):
        return [for_rust(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: v if k in _VALUES else for_rust(v) for k, v in node.items()}
    kind = node.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        out[INTEGER] = True
    return out


def _formats_in(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for v in node:
            yield from _formats_in(v)
    elif isinstance(node, dict):
        if isinstance(node.get("format"), str):
            yield node["format"]
        for k, v in node.items():
            if k not in _VALUES:
                yield from _formats_in(v)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # jsonschema's own, for "date"


def _is_date(value: Any) -> bool:
    """FORMAT_CHECKER's "date", called directly: a letter has a score of dates, and the
    checker's dispatch cost more than the check (tests/unit/test_schemas_fast.py compares)."""
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _python_format(name: str) -> Callable[[Any], bool]:
    if name == "date":
        return _is_date
    return lambda value: bool(FORMAT_CHECKER.conforms(value, name))


@functools.cache
def rust_formats() -> dict[str, Callable[[Any], bool]]:
    """Every format our schemas use, checked in Rust too by Python's own FORMAT_CHECKER.

    The two differ otherwise: jsonschema-rs takes "0000-01-01" as a date and checks e-mail
    addresses and URI references far more strictly (Python: an "@"; no check without rfc3987).
    """
    used = sorted({f for n in names() for f in _formats_in(raw(n))})
    return {f: _python_format(f) for f in used}


@functools.cache
def _rust_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(uri(n), for_rust(raw(n))) for n in names()])


@functools.cache
def fast_validator(name: str) -> jsonschema_rs.Validator:
    """The compiled jsonschema-rs validator of `name`: the same schemas, checked in Rust.

    Asked only valid or not; schemas._validate has the Python validator say why not.
    `offline`: every `$ref` resolves in our registry, nothing is ever fetched.
    """
    return jsonschema_rs.Draft202012Validator(
        for_rust(raw(name)),
        registry=_rust_registry(),
        validate_formats=True,
        formats=rust_formats(),
        keywords={INTEGER: NotDecimal},
        offline=True,
    )
