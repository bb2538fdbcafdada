"""The fast paths of schemas: the Rust validator agrees with the Python one, the money walk too."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from hub.domain.errors import ValidationFailed
from schemas import _store, _walk
from tests.schema_reference import money_values_uncached

TYPES = ("bank_format1", "bank_format2", "bank_capital", "company_receivable",
         "company_payable")
EXAMPLES = schemas.example_names()
BODIES = [n for n in EXAMPLES if n != "confirmation_request" and not n.startswith("letter.")]
"""The examples but those held by another (each letter's is in its confirmation request)."""

# Strings where the two engines could read a pattern or a format differently.
TRICKY_TEXT = (
    "", " ", "\u3000", "\x1c", "\ufeff", "\x85", "\t\n", "1٣", "１２", "12.5.0", "2025-02-30",
    "0000-01-01", "2024-02-29", "a..b@c.de", "用户@例子.中国", "a@b", "张 三",
)
# Numbers as schemas.parse_json makes them: an int, or a Decimal for a fraction or exponent.
NUMBERS = (0, -1, 2, Decimal("1.0"), Decimal("1E+2"), Decimal("12.5"), Decimal("1E+400"))


def schema_of(example_name: str) -> str:
    return example_name if example_name in schemas.names() else example_name.rsplit(".", 1)[0]


def example(letter_type: str) -> dict[str, Any]:
    return copy.deepcopy(schemas.example(f"confirmation_request.{letter_type}"))


def python_valid(name: str, instance: Any) -> bool:
    return not any(True for _ in _store.validator(name).iter_errors(instance))


def rust_valid(name: str, instance: Any) -> bool:
    return bool(_store.fast_validator(name).is_valid(instance))


def refused(instance: Any, name: str = "confirmation_request") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        schemas.validate(name, instance)
    return caught.value


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every string, number, boolean and null, in document order."""
    if isinstance(value, dict):
        for key, member in value.items():
            yield from leaves(member, (*path, key))
    elif isinstance(value, list):
        for i, member in enumerate(value):
            yield from leaves(member, (*path, i))
    else:
        yield path, value


def containers(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict | list):
        yield path, value
        for key, member in (value.items() if isinstance(value, dict) else enumerate(value)):
            yield from containers(member, (*path, key))


CONSTRAINTS = ("type", "pattern", "format", "const", "enum", "minLength", "maxLength", "minimum")


def constraints(name: str, document: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """What the schema asks of the value at `path`: values asked the same are alike."""
    applied = _walk.applied_at(name, document, path)
    return tuple(sorted({(k, repr(s[k])) for s, _ in applied for k in CONSTRAINTS if k in s}))


def bent(value: Any, first_of_its_kind: bool) -> tuple[Any, ...]:
    """Replacements for a leaf: all of them for the first leaf asked for the same, else a few."""
    if isinstance(value, str):
        few: tuple[Any, ...] = (None, 12)
        more: tuple[Any, ...] = (
            *TRICKY_TEXT, value + "\n", "\n" + value, value + "x", Decimal("12.00"), True,
        )
    else:
        few = (None, "1")
        more = (*NUMBERS, True, False, [], {})
    return few + more if first_of_its_kind else few


def mutations(name: str, document: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, replacement) pairs that break or bend each value of an example."""
    for path, value in containers(document):
        if isinstance(value, dict):
            yield path, {**value, "unexpected_field": "x"}
            for key in value:
                yield path, {k: v for k, v in value.items() if k != key}
        else:
            yield path, []
            yield path, [*value, copy.deepcopy(value[0])] if value else [None]
    seen: set[tuple[Any, ...]] = set()
    for path, value in leaves(document):
        kind = constraints(name, document, path)
        for new in bent(value, kind not in seen):
            yield path, new
        seen.add(kind)


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return copy.deepcopy(new)
    out = copy.deepcopy(document)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def disagreements(name: str, instances: Iterator[Any]) -> list[Any]:
    return [i for i in instances if rust_valid(name, i) != python_valid(name, i)]


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("example_name", BODIES)
def test_both_validators_agree_on_every_mutation_of_each_example(example_name: str) -> None:
    name, document = schema_of(example_name), schemas.example(example_name)
    assert rust_valid(name, document) and python_valid(name, document)
    instances = [replaced(document, path, new) for path, new in mutations(name, document)]
    assert len(instances) > 20
    assert disagreements(name, iter(instances)) == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)


@pytest.mark.parametrize("letter_type", TYPES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_validators_agree_on_random_values_anywhere(letter_type: str, data: Any) -> None:
    document = example(letter_type)
    path = data.draw(st.sampled_from([p for p, _ in leaves(document)]))
    new = data.draw(st.text() | st.from_regex(r"\A[0-9٠-٩０-９.\-]{1,6}\Z") | JSON)
    instance = replaced(document, path, new)
    assert rust_valid("confirmation_request", instance) == python_valid(
        "confirmation_request", instance)


# --------------------------------------------------------------------------- what both refuse


def test_non_ascii_digits_and_a_trailing_newline_are_no_amount() -> None:
    for bad in ("1٣", "１２.00", "100.00\n"):
        body = example("bank_format1")
        body["letter"]["items"]["deposits"]["rows"][0]["balance"] = bad
        error = refused(body)
        assert error.field == "/letter/items/deposits/rows/0/balance"
        assert "a decimal string with at most 2 decimals" in str(error)


def test_non_ascii_digits_are_no_uscc() -> None:
    for bad in ("91110000MA00BK7Q0G".replace("0", "٠", 1), "９1110000MA00BK7Q0G"):
        body = example("bank_capital")
        body["letter"]["responder"]["uscc"] = bad
        assert refused(body).field == "/letter/responder/uscc"


def test_a_blank_name_is_refused_and_a_chinese_one_with_a_space_is_not() -> None:
    for blank in ("\u3000", "\ufeff", "\x1c \t"):
        body = example("company_receivable")
        body["letter"]["responder"]["name"] = blank
        assert refused(body).field == "/letter/responder/name"
    body = example("company_receivable")
    body["letter"]["responder"]["name"] = "北京 某某\u3000有限公司"
    schemas.validate("confirmation_request", body)


def test_a_number_with_a_fraction_or_exponent_is_no_integer() -> None:
    text = json.dumps(example("bank_format1"), ensure_ascii=False)
    assert text.count('"seq": 1,') == 1
    for bad in ("1.0", "1e0", "1E+400"):
        body = schemas.parse_json(text.replace('"seq": 1,', f'"seq": {bad},').encode())
        assert isinstance(body["letter"]["cash_pool"]["rows"][0]["seq"], Decimal)
        assert not rust_valid("confirmation_request", body)
        assert refused(body).field == "/letter/cash_pool/rows/0/seq"


def test_year_zero_is_no_date_in_either_engine() -> None:
    body = example("company_receivable")
    body["letter"]["as_of_date"] = "0000-12-31"
    assert not rust_valid("confirmation_request", body)
    error = refused(body)
    assert error.field == "/letter/as_of_date"
    assert error.errors == [{"field": "/letter/as_of_date", "message":
                             "as_of_date (函证基准日) '0000-12-31' is not a real calendar date"}]


def test_a_value_rust_cannot_take_goes_to_the_python_validator() -> None:
    body = example("company_payable")
    body["letter"][1] = "x"  # no JSON object has a number for a key
    with pytest.raises(ValueError):
        rust_valid("confirmation_request", body)
    assert refused(body).field == "/letter/1"


def test_the_rust_validator_never_fetches_a_schema() -> None:
    with pytest.raises(jsonschema_rs.ValidationError):  # not resolvable offline: refused at once
        jsonschema_rs.Draft202012Validator(
            {"$ref": "https://json-schema.example/elsewhere.json"},
            registry=_store._rust_registry(), offline=True,
        )


# --------------------------------------------------------------------------- patterns


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        yield from node.get("patternProperties", {})
        for key, value in node.items():
            if key not in ("const", "enum", "examples", "default"):
                yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


ALL_PATTERNS = sorted({p for n in schemas.names() for p in patterns(_store.raw(n))})
SHORTHAND = re.compile(r"\\[dDsSwWbB]|(?<!\\)\.(?![^\[]*\])")


def test_there_are_patterns_to_check() -> None:
    assert len(ALL_PATTERNS) > 10


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_no_pattern_uses_what_python_and_ecma_262_read_differently(pattern: str) -> None:
    # \d, \s, \w and \b are Unicode-aware in Python's re and not (or otherwise) in ECMA-262;
    # `.` differs on line terminators. Write the class out, as [0-9].
    assert not SHORTHAND.search(pattern), pattern
    jsonschema_rs.validator_for({"pattern": pattern})  # an ECMA-262 pattern jsonschema-rs reads


def every_character() -> list[str]:
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def refused_by_both(pattern: str, texts: list[str]) -> set[str]:
    rust = jsonschema_rs.validator_for({"items": {"pattern": pattern}})
    by_rust = {texts[int(e.instance_path[0])] for e in rust.iter_errors(texts)}
    by_python = {t for t in texts if not _store.python_regex(pattern).search(t)}
    assert by_rust == by_python
    return by_python


def test_blank_means_the_same_in_both_engines_for_every_character() -> None:
    chars = every_character()
    blank = refused_by_both(_store.common_def("non_empty_text")["pattern"], chars)
    assert blank == {c for c in chars if c.isspace()} | {"\ufeff"}
    email = _store.common_def("reply_to")["properties"]["email"]["pattern"]
    refused_inside = refused_by_both(email, [f"a{c}b@c.de" for c in chars])
    assert refused_inside == {f"a{c}b@c.de" for c in blank | {"@"}}


def test_dollar_is_the_very_end_in_python_too() -> None:
    money = _store.python_regex(_store.common_def("money")["pattern"])
    assert money.search("100.00") and not money.search("100.00\n")
    assert _store.python_regex(r"^[$]\$$").pattern == r"^[$]\$\Z"


# --------------------------------------------------------------------------- the `if`s


def conditions(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "if" in node:
            yield node["if"]
        for value in node.values():
            yield from conditions(value)
    elif isinstance(node, list):
        for value in node:
            yield from conditions(value)


ALL_CONDITIONS = [c for n in schemas.names() for c in conditions(_store.raw(n))]
PROBES: tuple[Any, ...] = ({}, {"applicable": False}, {"applicable": 0}, {"applicable": None},
          {"applicable": True}, {"letter_type": "bank_format1"}, {"restricted": False},
          {"restricted": Decimal(0)}, {"letter_type": ["bank_format1"]}, [], "x", None, 0)


@pytest.mark.parametrize("condition", ALL_CONDITIONS)
def test_every_if_is_judged_as_the_python_validator_judges_it(condition: Any) -> None:
    check = _store.PythonValidator(condition)
    for probe in PROBES:
        assert _walk._holds(condition, probe) == check.is_valid(probe), (condition, probe)


def test_every_file_is_draft_2020_12() -> None:  # what schemas._store._unmarked relies on
    for name in schemas.names():
        assert _store.raw(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --------------------------------------------------------------------------- money values


def variants(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The example and valid mutations of it: items not applicable, rows added, and so on."""
    yield document
    for path, new in mutations("confirmation_request", document):
        instance = replaced(document, path, new)
        if rust_valid("confirmation_request", instance):  # as Python: see above
            yield instance


@pytest.mark.parametrize("letter_type", [*TYPES, *reversed(TYPES)])
def test_money_values_are_those_of_the_uncached_walk(letter_type: str) -> None:
    count = 0
    for instance in variants(example(letter_type)):
        fast = schemas.money_values("confirmation_request", instance)
        assert fast == money_values_uncached("confirmation_request", instance)
        count += 1
    assert count > 10


def test_money_values_of_a_body_with_an_item_made_not_applicable() -> None:
    body = example("bank_format1")
    before = schemas.money_values("confirmation_request", body)
    body["letter"]["items"]["loans"] = {"applicable": False}
    after = schemas.money_values("confirmation_request", body)
    assert [p for p, _, _ in before if "/loans/" not in p] == [p for p, _, _ in after]
    assert after == money_values_uncached("confirmation_request", body)


@pytest.mark.parametrize("example_name", EXAMPLES)
def test_money_values_of_every_example(example_name: str) -> None:
    name, document = schema_of(example_name), schemas.example(example_name)
    assert schemas.money_values(name, document) == money_values_uncached(name, document)


@settings(max_examples=400)
@given(st.one_of(
    st.dates().map(date.isoformat),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.from_regex(r"\A[0-9０-９]{2,5}-[0-9]{1,3}-[0-9]{1,3}\n?\Z"),
    st.text(max_size=12), st.integers(), st.none(),
))
def test_the_direct_date_check_agrees_with_the_format_checker(value: Any) -> None:
    assert _store._is_date(value) == bool(_store.FORMAT_CHECKER.conforms(value, "date"))


@pytest.mark.parametrize(("raw", "field"), [
    (b'{"name": "a\\u0000b"}', "/name"),
    (b'{"a": [{"b": "\\u001f"}]}', "/a/0/b"),
    (b'{"k\\u000bey": 1}', "/k\x0bey"),
    (b'{"name": "del\x7f"}', "/name"),
])
def test_control_characters_in_json_strings_and_keys_are_refused_naming_where(
        raw: bytes, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        schemas.parse_json(raw)
    assert refused.value.field == field and "control character" in refused.value.message


def test_tab_newline_and_escaped_backslashes_are_text() -> None:
    assert schemas.parse_json(b'{"t": "a\\tb\\nc\\r", "p": "\\\\u0000"}') == {
        "t": "a\tb\nc\r", "p": "\\u0000"}
