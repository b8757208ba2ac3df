"""The package's layers: data flows down, nothing below knows about anything above.

Every ``import`` in ``src/routed_llm`` is read from the source (``ast``), including the
lazy ones inside functions, because a lazy import is still a dependency: it only moves
the cycle from import time to call time. A *unit* is a subpackage (``routed_llm.scorers``)
or a top-level module (``routed_llm.errors``); the package's own ``__init__`` re-exports
and is the top of everything.

``LAYERS`` is design.md's drawing, top first, with two readings made explicit: ``cli``
(and the other entry points) sit on top, since a command uses every layer; and
``training`` sits above ``scorers``, since a trainer builds a scorer, so the scorers may
not know about their trainers (labels and tables they learn from live in ``data``); and
``verifiers`` sit beside ``training``, above ``scorers``, since the agreement verifier
compares free text with the shipped default router's token embeddings.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import routed_llm

PACKAGE = Path(routed_llm.__file__).resolve().parent

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__main__", "cli", "demo", "testing"}),
    frozenset({"frameworks"}),
    frozenset({"client", "cascade"}),
    frozenset({"streams"}),
    frozenset({"config"}),
    frozenset({"routing"}),
    frozenset({"training", "verifiers"}),
    frozenset({"scorers"}),
    frozenset({"encoders"}),
    frozenset({"evaluation"}),
    frozenset({"data"}),
    frozenset({"artifacts"}),
    frozenset({"accounting", "cutoff", "decision", "errors", "estimates", "masked_errors", "pricing", "prompts", "secrets"}),
)
"""Top first; a unit may import its own layer's units and any layer below, never one above."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """``(imported module or name, line)`` for every routed_llm import in ``path``, relative ones resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "routed_llm" or target.startswith("routed_llm."):
                yield target, node.lineno


def _unit(module: str) -> str | None:
    """The unit a dotted name belongs to; ``None`` for the package root (``from routed_llm import __version__``)."""
    parts = module.split(".")
    if len(parts) < 2 or not ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
        return None
    return parts[1]


def _unit_edges() -> dict[tuple[str, str], list[str]]:
    """``(importer unit, imported unit) -> ["file:line imports name", ...]`` across units."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _unit(_module_name(path))
        if source is None:
            continue
        for target, line in _imports(path):
            imported = _unit(target)
            if imported is not None and imported != source:
                edges[(source, imported)].append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    return edges


def _cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _layer_of(unit: str) -> int:
    return next(level for level, units in enumerate(LAYERS) if unit in units)


def test_every_unit_has_a_layer() -> None:
    units = {_unit(_module_name(path)) for path in PACKAGE.rglob("*.py")} - {None}
    placed = set().union(*LAYERS)
    assert units - placed == set(), "place each new subpackage or module in LAYERS"
    assert placed - units == set(), "LAYERS names a unit the package no longer has"


def test_no_import_cycle_between_units() -> None:
    edges = _unit_edges()
    report = []
    for component in _cycles(edges):
        members = set(component)
        report.append(" <-> ".join(component))
        report.extend(
            f"    {site}" for (source, target), sites in sorted(edges.items())
            if source in members and target in members for site in sites
        )
    assert report == [], "import cycles between units:\n" + "\n".join(report)


def test_imports_only_go_down_the_layers() -> None:
    upward = [
        site
        for (source, target), sites in sorted(_unit_edges().items())
        if _layer_of(target) < _layer_of(source)
        for site in sites
    ]
    assert upward == [], "imports from a lower layer into a higher one:\n" + "\n".join(upward)


def test_no_unit_imports_another_units_private_names() -> None:
    private = [
        site
        for sites in _unit_edges().values()
        for site in sites
        if any(part.startswith("_") and part != "__main__" for part in site.rpartition(" imports ")[2].split(".")[1:])
    ]
    assert private == [], "private helpers used across units (make them public or move them):\n" + "\n".join(private)


def test_the_walk_sees_lazy_imports() -> None:
    """A function-level import counts: the walker must find one, or the checks above prove nothing."""
    sites = _unit_edges()[("cli", "training")]
    assert any("cli/train.py" in site for site in sites)


def test_the_runtime_imports_no_offline_code() -> None:
    """Routing a request needs neither benchmark evaluation nor training: the choice they share lives in data."""
    offline = [
        site
        for (source, target), sites in sorted(_unit_edges().items())
        if source in {"client", "routing"} and target in {"evaluation", "training"}
        for site in sites
    ]
    assert offline == []
