"""Finding, reading and caching the schema files, their examples and the registry linking them."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
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
def validator(name: str) -> Draft202012Validator:
    """A validator for the schema `name`, with format checking (dates, UUIDs, e-mail)."""
    return Draft202012Validator(
        raw(name), registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@functools.cache
def common_def(defname: str) -> dict[str, Any]:
    """The cached definition `defname` of common.json (compared by identity when walking)."""
    definition: dict[str, Any] = raw("common")["$defs"][defname]
    return definition


@functools.cache
def fast_validator(name: str) -> Any:
    """The compiled jsonschema-rs validator of `name`: the same schemas, checked in Rust.

    It only says valid or not; schemas._validate asks the Python validator for the reasons.
    `offline`: every `$ref` resolves inside our registry, nothing is fetched.
    """
    return fast_validator_for(raw(name))


def fast_validator_for(schema: dict[str, Any]) -> Any:
    """A jsonschema-rs validator of `schema`, resolving `$ref`s in our registry only."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(
        schema, registry=_fast_registry(), validate_formats=True, offline=True
    )


@functools.cache
def _fast_registry() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Registry([(raw(n)["$id"], raw(n)) for n in names()])
