"""The layers of DESIGN.md, checked on every import the code makes (lazy ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("hub", "adapters", "signing", "schemas")

ALLOWED: dict[str, tuple[str, ...]] = {
    "hub.domain": ("hub.domain",),
    "hub.ports": ("hub.domain", "hub.ports"),
    "hub.services": ("hub.domain", "hub.ports", "hub.services"),
    "hub.db": ("hub.domain", "hub.ports", "hub.db", "hub.infra"),
    "hub.messaging": ("hub.domain", "hub.ports", "hub.messaging", "hub.infra", "schemas"),
    "hub.documents": ("hub.domain", "hub.documents"),
    "hub.evidence": ("hub.domain", "hub.documents", "hub.evidence", "signing"),
    "hub.api": ("hub.domain", "hub.ports", "hub.services", "hub.api", "hub.edge", "hub.infra",
                "hub.readmodels", "schemas"),
    "hub.web": ("hub.domain", "hub.ports", "hub.services", "hub.web", "hub.edge", "hub.infra"),
    "hub.readmodels": ("hub.domain", "hub.ports", "hub.services", "hub.readmodels", "hub.edge"),
    "hub.edge": ("hub.domain", "hub.edge"),
    "hub.infra": ("hub.domain", "hub.infra"),
    "signing": ("signing",),
    "schemas": ("schemas", "hub.domain"),
    "adapters": ("adapters", "hub.domain", "hub.ports", "hub.documents", "hub.evidence",
                 "hub.edge", "schemas", "signing"),
}
"""What each package may import of the project's own; the composition roots (hub.bootstrap,
hub.runtime, hub.cli) may import everything."""


def first_party_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module in FIRST_PARTY:  # `from hub import x` imports hub.x
                found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in FIRST_PARTY}


def package_of(module: str) -> str | None:
    return next((p for p in sorted(ALLOWED, key=len, reverse=True)
                 if module == p or module.startswith(p + ".")), None)


def modules() -> list[tuple[str, Path]]:
    out = []
    for top in ("hub", "adapters", "signing", "schemas"):
        for path in sorted((ROOT / top).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out.append((name.removesuffix(".__init__"), path))
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_its_layer_may(package: str) -> None:
    wrong = []
    for name, path in modules():
        if package_of(name) != package:
            continue
        for imported in sorted(first_party_imports(path)):
            if imported in ("hub", "adapters"):
                continue  # the bare package: nothing of a layer
            if not any(imported == a or imported.startswith(a + ".") for a in ALLOWED[package]):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_every_module_of_the_hub_is_in_a_layer_or_a_composition_root() -> None:
    roots = ("hub.bootstrap", "hub.runtime", "hub.cli", "hub")
    loose = [name for name, _ in modules()
             if package_of(name) is None and not any(
                 name == r or name.startswith(r + ".") for r in roots if r != "hub")
             and name != "hub"]
    assert loose == []


def module_imports(path: Path, known: set[str]) -> set[str]:
    """The project's modules `path` imports (lazy ones included); `from pkg import mod` counts
    as importing pkg.mod. A package's own __init__ is left out: Python runs it first anyway,
    whichever of its modules is imported, so it is not an edge one module chose."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    packages = {name for name, p in modules() if p.name == "__init__.py"}
    return {m for m in found if m in known and m not in packages}


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` (module → modules it imports), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_cycle_in_finds_a_circle_and_only_a_circle() -> None:
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_modules_of_the_http_api_import_each_other_without_a_circle() -> None:
    """hub.api (the OpenAPI generator among them) is a tree: the generator reads the endpoint
    table it is given and never the route modules that serve it."""
    api = {name: path for name, path in modules() if name.startswith("hub.api.")}
    graph = {name: {m for m in module_imports(path, set(api)) if m != name}
             for name, path in api.items()}
    assert cycle_in(graph) == []
