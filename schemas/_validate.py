"""Validating an instance and turning schema errors into messages a user can act on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from jsonschema import ValidationError

from hub.domain.errors import ValidationFailed
from hub.domain.text import is_ascii_digits
from schemas import _store
from schemas._walk import Applied, applied_at, pointer, title

MAX_ERRORS = 100
"""At most this many field errors are returned for one body."""

_DECIMALS = {
    "money": ("a decimal string with at most 2 decimals", '"1234.56"'),
    "rate": ("a decimal string with at most 8 decimals", '"3.45"'),
    "quantity": ("a non-negative decimal string with at most 6 decimals", '"10000"'),
}
_SHAPES = {
    **{k: f"{what}, such as {sample}" for k, (what, sample) in _DECIMALS.items()},
    "date": "a date written YYYY-MM-DD, such as 2025-12-31",
    "uscc": "an 18-character 统一社会信用代码 (digits and capital letters except I, O, Z, S, V)",
    "letter_number": "1–40 letters, digits, '-', '_' or '/'",
    "account_number": "1–40 letters, digits or '-', without spaces",
    "uuid": "a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "non_empty_text": "text that is not blank",
    "long_text": "text that is not blank",
}
_JSON_TYPES = (
    (bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
    (int, "a JSON number"), (float, "a JSON number"), (Decimal, "a JSON number"),
    (type(None), "null"),
)
_ARTICLE = {"object": "an object", "array": "an array", "integer": "an integer",
            "string": "a string", "boolean": "a boolean", "number": "a number", "null": "null"}


def _json_type(value: Any) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "a value")


def _short(value: Any) -> str:
    text = repr(str(value) if isinstance(value, Decimal) else value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Explainer:
    """Messages for the errors of one validation of `instance` against schema `name`."""

    def __init__(self, name: str, instance: Any) -> None:
        self.name = name
        self.instance = instance

    def applied(self, path: Sequence[str | int]) -> Applied:
        try:
            return applied_at(self.name, self.instance, path)
        except Exception:  # an explanation must never hide the error it explains
            return []

    def label(self, path: Sequence[str | int], applied: Applied | None = None) -> str:
        if not path:
            return "the body"
        last = path[-1]
        if isinstance(last, int):
            name = f"{path[-2]}[{last}]" if len(path) > 1 else f"[{last}]"
        else:
            name = last
        found = title(applied if applied is not None else self.applied(path))
        return f"{name} ({found})" if found else str(name)

    @staticmethod
    def _def(error: ValidationError) -> str | None:
        """Which common definition failed, if the failing keyword sits in one."""
        return next((d for d in _SHAPES if error.schema is _store.common_def(d)), None)

    def explain(self, error: ValidationError) -> list[tuple[list[str | int], str]]:
        path = list(error.absolute_path)
        kind = error.validator
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            found: list[tuple[list[str | int], str]] = handler(error, path)
            if found:
                return found
        return [(path, f"{self.label(path)}: {error.message}")]

    def _required(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        if not isinstance(error.instance, dict):
            return []
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        out = []
        for name in error.validator_value:
            if name in error.instance:
                continue
            where = [*path, name]
            applied = self.applied(where)
            own = props.get(name, {}).get("title") if isinstance(props.get(name), dict) else None
            label = f"{name} ({own})" if own else self.label(where, applied)
            message = f"{label} is required"
            if any("applicable" in s.get("properties", {}) for s, _ in applied):
                message += (
                    '; give every item: with rows, with empty rows (确认为无), '
                    'or as {"applicable": false} (不询证)'
                )
            out.append((where, message))
        return out

    def _additionalProperties(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        if not isinstance(error.instance, dict) or not isinstance(error.schema, dict):
            return []
        props = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        extras = [
            k for k in error.instance
            if k not in props and not any(re.search(p, k) for p in patterns)
        ]
        switch = next(
            (k for k, v in props.items() if isinstance(v, dict) and v.get("const") is False),
            None,
        )
        out = []
        for key in extras:
            if switch == "applicable":
                message = (f"{key} is not allowed in an item marked not confirmed (不询证); "
                           'give rows and set "applicable": true, or leave it out')
            elif switch:
                message = f"{key} is not allowed when {switch} is false"
            else:
                allowed = ", ".join(props) or "none"
                message = f"unknown field {key!r}; the fields allowed here are: {allowed}"
            out.append(([*path, key], message))
        return out

    def _type(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else list(expected)
        got = _json_type(error.instance)
        label = self.label(path)
        defname = self._def(error)
        if defname in _DECIMALS and got == "a JSON number":
            _, sample = _DECIMALS[defname]
            return [(path, f"{label} must be a decimal string such as {sample}, not a JSON "
                           "number (amounts are strings so no precision is lost)")]
        if defname == "date":
            message = f"{label} must be one date string (YYYY-MM-DD), not {got}"
            if path and path[-1] == "as_of_date":
                message += "; a letter has exactly one 函证基准日"
            return [(path, message)]
        wanted = " or ".join(_ARTICLE.get(t, t) for t in expected)
        return [(path, f"{label} must be {wanted}, not {got}")]

    def _shape(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        defname = self._def(error)
        if defname is None:
            return []
        return [(path, f"{self.label(path)} must be {_SHAPES[defname]} "
                       f"(got {_short(error.instance)})")]

    def _pattern(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        return self._shape(error, path) or [
            (path, f"{self.label(path)} {_short(error.instance)} does not match the pattern "
                   f"{error.validator_value}")
        ]

    _minLength = _shape

    def _maxLength(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        return [(path, f"{self.label(path)} must be at most {error.validator_value} characters "
                       f"(got {len(error.instance)})")]

    def _format(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        label = self.label(path)
        if error.validator_value == "date":
            return [(path, f"{label} {_short(error.instance)} is not a real calendar date")]
        if error.validator_value == "email":
            return [(path, f"{label} {_short(error.instance)} is not an e-mail address")]
        return self._shape(error, path) or [
            (path, f"{label} {_short(error.instance)} is not a valid {error.validator_value}")
        ]

    def _enum(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        label = self.label(path)
        if self._is_currency(error):
            return [(path, f"{label} {_short(error.instance)} is not an ISO 4217 currency code "
                           "(such as CNY, USD, EUR, HKD)")]
        allowed = ", ".join(str(v) for v in error.validator_value if v is not None)
        return [(path, f"{label} must be one of: {allowed} (got {_short(error.instance)})")]

    def _is_currency(self, error: ValidationError) -> bool:
        return error.schema is _store.common_def("currency")

    def _const(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        value = error.validator_value
        shown = "true" if value is True else "false" if value is False else repr(value)
        return [(path, f"{self.label(path)} must be {shown} (got {_short(error.instance)})")]

    def _minItems(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        label = self.label(path)
        n = error.validator_value
        message = f"{label} needs at least {n} {'entry' if n == 1 else 'entries'}"
        if path and path[-1] == "rows":
            message += '; mark the item {"applicable": false} (不询证) if it is not confirmed'
        return [(path, message)]

    def _anyOf(self, error: ValidationError, path: list[str | int]) -> list[Any]:
        options = error.validator_value
        if all(isinstance(o, dict) and set(o) == {"required"} for o in options):
            props = error.schema.get("properties", {})
            names = [n for o in options for n in o["required"]]
            shown = ", ".join(
                f"{n} ({props[n]['title']})" if props.get(n, {}).get("title") else n
                for n in names
            )
            return [(path, f"{self.label(path)} needs at least one of: {shown}")]
        return []


def _sort_key(field: str) -> tuple[tuple[int, int, str], ...]:
    parts = field.split("/")
    return tuple((0, int(p), "") if is_ascii_digits(p) else (1, 0, p) for p in parts)


def _collect(
    name: str, instance: Any, errors: Iterable[ValidationError]
) -> tuple[list[dict[str, str]], bool]:
    """The field errors, sorted and at most MAX_ERRORS, and whether some were left out."""
    explainer = _Explainer(name, instance)
    ordered = sorted(errors, key=lambda e: _sort_key(pointer(e.absolute_path)))
    seen: dict[tuple[str, str], bool] = {}
    fields: set[str] = set()
    more = False
    for error in ordered:
        if len(fields) > MAX_ERRORS:  # explaining costs a schema walk each: stop in time
            more = True
            break
        for path, message in explainer.explain(error):
            key = (pointer(path) or "body", message)
            seen[key] = seen.get(key, False) or error.validator == "type"
            fields.add(key[0])
    # A value of the wrong type also fails keywords of a branch (const, enum): say it once.
    typed = {field for (field, _), is_type in seen.items() if is_type}
    found = [
        {"field": field, "message": message}
        for (field, message), is_type in seen.items()
        if is_type or field not in typed
    ]
    found.sort(key=lambda e: (_sort_key(e["field"]), e["message"]))
    return found[:MAX_ERRORS], more or len(found) > MAX_ERRORS


def _fast_valid(name: str, instance: Any) -> bool:
    try:
        return bool(_store.fast_validator(name).is_valid(instance))
    except (TypeError, ValueError, OverflowError):  # not a JSON value Rust takes: Python judges
        return False


def validate(name: str, instance: Any) -> None:
    """Raise ValidationFailed listing the faults of `instance` against schema `name`.

    A valid instance costs one check in Rust (jsonschema-rs); only one it refuses goes to the
    Python validator, which says what is wrong and where, and whose verdict stands (the tests
    make sure the two agree: same patterns, formats and integers).
    """
    if _fast_valid(name, instance):
        return
    validate_python(name, instance)


def validate_python(name: str, instance: Any) -> None:
    """validate() by the Python validator alone (the slow path, measured by bench/validate.py)."""
    errors = list(_store.validator(name).iter_errors(instance))
    if not errors:
        return
    found, more = _collect(name, instance, errors)
    first = found[0]
    if len(found) == 1:
        message = first["message"]
    else:
        count = f"more than {MAX_ERRORS}" if more else str(len(found))
        message = f"{count} problems in the body; the first: {first['field']}: {first['message']}"
    raise ValidationFailed(message, field=first["field"], errors=found)
