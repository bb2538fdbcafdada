"""Walking an instance alongside its schema: which subschemas apply where, titles, money fields."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

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


_Condition = Callable[[Any], bool]
_CONDITIONS: dict[int, tuple[Any, _Condition]] = {}


def _same(value: Any, const: Any) -> bool:
    """JSON Schema equality with a string, boolean or null (True is not 1, False is not 0)."""
    if isinstance(const, str):
        return isinstance(value, str) and value == const
    return value is const


def _plain(condition: Any) -> bool:
    """Whether `condition` only asks for properties and their string, boolean or null values."""
    if not isinstance(condition, dict) or not set(condition) <= {"required", "properties"}:
        return False
    props = condition.get("properties", {})
    return isinstance(props, dict) and all(
        isinstance(s, dict) and set(s) == {"const"}
        and isinstance(s["const"], str | bool | None) for s in props.values()
    )


def _compile(condition: Any) -> _Condition:
    """`condition` as a plain function when it is _plain, else as the Python validator has it.

    All our `if`s are plain (letter_type, applicable, restricted); `required` and `properties`
    hold for any value that is not an object, as in the validator. So a branch is always
    chosen as schemas.validate chooses it.
    """
    if not _plain(condition):
        check = _store.PythonValidator(condition, registry=_store.python_registry())
        return lambda instance: bool(check.is_valid(instance))
    required = tuple(condition.get("required", ()))
    consts = tuple((k, s["const"]) for k, s in condition.get("properties", {}).items())

    def holds(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        for k in required:
            if k not in instance:
                return False
        for k, c in consts:
            if k in instance and not _same(instance[k], c):
                return False
        return True

    return holds


def _check(condition: Any) -> _Condition:
    """The compiled `condition`, made once (the entry keeps it alive, so its id stays its)."""
    cached = _CONDITIONS.get(id(condition))
    if cached is None or cached[0] is not condition:
        cached = _CONDITIONS[id(condition)] = (condition, _compile(condition))
    return cached[1]


def _holds(condition: Any, instance: Any) -> bool:
    return instance is not MISSING and _check(condition)(instance)


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
    out: Applied = []

    def visit(s: Any, r: Resolver[Any]) -> None:
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


# ------------------------------------------------------------------ money values, remembered


def _conditions(sources: Sequence[tuple[Any, Resolver[Any]]]) -> tuple[Any, ...]:
    """Every `if` that expanding `sources` could consult, whichever branches are taken."""
    found: list[Any] = []
    seen: set[int] = set()

    def visit(s: Any, r: Resolver[Any]) -> None:
        if not isinstance(s, dict) or id(s) in seen:
            return
        seen.add(id(s))
        if "$ref" in s:
            resolved = _lookup(s, r)
            visit(resolved.contents, resolved.resolver)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in s.get(keyword, ()):
                visit(sub, r)
        if "if" in s:
            found.append(s["if"])
            for branch in ("then", "else"):
                visit(s.get(branch), r)

    for s, r in sources:
        visit(s, r)
    return tuple(found)


_OTHER = object()
"""The slot of every property name that only additionalProperties covers."""


class _Node:
    """What applies to values of one kind, with what applies to each of their members."""

    __slots__ = ("applied", "barren", "keyed", "money", "names", "prefix", "reaches_money",
                 "steps")

    def __init__(self, applied: Applied) -> None:
        self.applied = applied
        self.money = is_def(applied, "money")
        self.reaches_money = _reaches_money(applied)
        self.names = {k for s, _ in applied for k in s.get("properties", ())}
        self.prefix = max((len(s.get("prefixItems", ())) for s, _ in applied), default=0)
        self.keyed = any("patternProperties" in s for s, _ in applied)
        self.steps: dict[Any, _Step] = {}
        self.barren = frozenset() if self.keyed else frozenset(
            k for k in self.names if not _reaches_money(list(_children(applied, k))))
        """Properties below which no value can be money: money_values() passes them by."""

    def step(self, key: str | int) -> _Step:
        """The step to the member `key`: one per property name, one for all array members."""
        if isinstance(key, int):
            slot: Any = key if key < self.prefix else -1
        elif key in self.names:
            slot = key
        elif self.keyed:  # a patternProperties match depends on the name itself
            return _Step(tuple(_children(self.applied, key)))
        else:
            slot = _OTHER
        found = self.steps.get(slot)
        if found is None:
            found = self.steps[slot] = _Step(tuple(_children(self.applied, key)))
        return found


def _reaches_money(applied: Applied) -> bool:
    """Whether any value below one these subschemas cover could be money, whichever `if`
    branches its values take: if not, money_values() need not look inside it at all."""
    target = _store.common_def("money")
    seen: set[int] = set()
    stack: list[tuple[Any, Resolver[Any]]] = list(applied)
    while stack:
        s, r = stack.pop()
        if s is target:
            return True
        if not isinstance(s, dict) or id(s) in seen:
            continue
        seen.add(id(s))
        if "$ref" in s:
            resolved = _lookup(s, r)
            stack.append((resolved.contents, resolved.resolver))
        for keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
            stack.extend((sub, r) for sub in s.get(keyword, ()))
        for keyword in ("properties", "patternProperties"):
            stack.extend((sub, r) for sub in s.get(keyword, {}).values())
        for keyword in ("then", "else", "additionalProperties", "items"):
            if isinstance(s.get(keyword), dict):
                stack.append((s[keyword], r))
    return False


_NODES: dict[tuple[int, ...], tuple[Applied, _Node]] = {}


def _node(applied: Applied) -> _Node:
    """One node for the same subschemas, wherever they are reached (recursive schemas too)."""
    ident = tuple(id(s) for s, _ in applied)
    hit = _NODES.get(ident)
    if hit is None:  # the entry keeps the subschemas alive, so their ids stay theirs
        hit = _NODES[ident] = (applied, _Node(applied))
    return hit[1]


class _Step:
    """From a node to a member: the subschemas given for it and the node each value gets.

    What applies to a value depends on it only through the `if`s consulted, so the node is
    remembered per answer to every `if` that could be consulted; without any, there is one.
    """

    __slots__ = ("checks", "fixed", "nodes", "sources")

    def __init__(self, sources: tuple[tuple[Any, Resolver[Any]], ...]) -> None:
        self.sources = sources
        self.checks = tuple(_check(c) for c in _conditions(sources))
        self.nodes: dict[tuple[bool, ...], _Node] = {}
        self.fixed = None if self.checks else self._build(MISSING)

    def _build(self, value: Any) -> _Node:
        return _node([a for s, r in self.sources for a in expand(s, r, value)])

    def node(self, value: Any) -> _Node:
        if self.fixed is not None:
            return self.fixed
        answers = tuple([check(value) for check in self.checks])  # never MISSING here
        found = self.nodes.get(answers)
        if found is None:
            found = self.nodes[answers] = self._build(value)
        return found


@functools.cache
def _root_step(name: str) -> _Step:
    resolved = _store.registry().resolver().lookup(_store.uri(name))
    return _Step(((resolved.contents, resolved.resolver),))


def _money_pattern() -> re.Pattern[str]:
    return _store.python_regex(_store.common_def("money")["pattern"])


def money_values(name: str, instance: Any) -> list[tuple[str, Decimal, str | None]]:
    """Every value whose schema is common.json's `money`, in document order."""
    out: list[tuple[str, Decimal, str | None]] = []
    node, money = _root_step(name).node(instance), _money_pattern()
    if isinstance(instance, (dict, list)):
        _collect_money(node, instance, "", out, money)
    elif isinstance(instance, str) and node.money and money.match(instance):
        out.append(("", Decimal(instance), None))
    return out


def _collect_money(
    node: _Node, value: Any, at: str, out: list[tuple[str, Decimal, str | None]],
    money: re.Pattern[str],
) -> None:
    """The amounts below `value` (an object or array at pointer `at`), which `node` covers."""
    members: Iterable[tuple[str | int, Any]]
    if isinstance(value, dict):
        members = value.items()
        steps = node.steps
    else:
        members = enumerate(value)
        steps = {}  # node.step() finds the one for all members
    barren = node.barren
    for key, member in members:
        if key in barren:
            continue
        step = steps.get(key) or node.step(key)
        below = step.fixed or step.node(member)
        if isinstance(member, str):
            if below.money and money.match(member):
                currency = value.get("currency") if isinstance(value, dict) else None
                out.append((f"{at}/{escape(key)}", Decimal(member),
                            currency if isinstance(currency, str) else None))
        elif isinstance(member, (dict, list)) and below.reaches_money:
            _collect_money(below, member, f"{at}/{escape(key)}", out, money)
