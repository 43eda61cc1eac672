"""The code's layers: imports point one way, and no import cycle remains.

The graph is read from the source (every import statement, also those inside
functions), so it holds for paths no other test runs. Layers, bottom first:
the pure policy and vocabulary; the pure reply reader and the small leaf
modules; the transports; the models; the outbox; the services; the web, API
and webhook surfaces; the app and its processes.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "outbound", "conversations")

LAYERS = (
    ("policy", ("outbound.policy",)),
    (
        "leaves",
        ("conversations", "bot.config", "bot.logs", "bot.phones", "bot.safe_values", "bot.errors"),
    ),
    ("transports", ("outbound.transports",)),
    ("models", ("bot.models", "bot.extensions")),
    ("outbox", ("outbound",)),
    ("services", ("bot.services",)),
    ("surfaces", ("bot.api", "bot.web", "bot.webhooks", "bot.health")),
    (
        "app",
        (
            "bot",
            "bot.cli",
            "bot.demo",
            "bot.worker",
            "bot.clock",
            "bot.inbox_alarm",
            "bot.idempotency_pruning",
            "bot.gunicorn_config",
            "bot.gunicorn_worker",
        ),
    ),
)
OUTBOUND_MUST_NOT_IMPORT = ("bot.services", "bot.api", "bot.web", "bot.webhooks")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imported_names(source: str, known: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """The modules a source imports. `from package import name` counts as an import of
    `package.name` when that is one of the `known` modules, else of `package`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
    return names


@cache
def import_graph() -> dict[str, set[str]]:
    """Our modules, each with the modules of ours it imports."""
    known = set(modules())
    return {
        name: (imported_names(path.read_text(), known) & known) - {name}
        for name, path in modules().items()
    }


def unit_of(module: str) -> str:
    """The package a module belongs to; `bot`'s own modules each stand alone."""
    for prefix in ("outbound.policy", "outbound.transports", "bot.models", "bot.services"):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    for prefix in ("bot.api", "bot.web", "conversations"):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    if module.startswith("outbound"):
        return "outbound"
    return module


def layer_of(unit: str) -> int | None:
    """The rank of the layer `unit` is in, bottom 0; None when it is in none."""
    for rank, (_name, units) in enumerate(LAYERS):
        if unit in units:
            return rank
    return None


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        unit = unit_of(module)
        graph.setdefault(unit, set()).update(unit_of(other) for other in imported)
        graph[unit].discard(unit)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_whole_house():
    graph = import_graph()
    assert {"bot", "bot.services.records", "outbound.sending", "outbound.policy.planner"} <= set(
        graph
    )
    assert "outbound.policy.planner" in graph["outbound.planning"]


def test_every_package_is_in_a_layer():
    unplaced = sorted(unit for unit in unit_graph() if layer_of(unit) is None)
    assert unplaced == [], f"add these to LAYERS: {unplaced}"
    assert layer_of("bot.unknown_new_module") is None  # the check sees a newcomer


def test_imports_point_down():
    upward = [
        f"{module} ({LAYERS[layer_of(unit_of(module))][0]}) imports {other} "
        f"({LAYERS[layer_of(unit_of(other))][0]})"
        for module, imported in sorted(import_graph().items())
        for other in sorted(imported)
        if layer_of(unit_of(other)) > layer_of(unit_of(module))
    ]
    assert not upward, "\n".join(upward)


def test_outbound_imports_no_service_and_no_surface():
    wrong = [
        f"{module} imports {other}"
        for module, imported in sorted(import_graph().items())
        if module.startswith("outbound")
        for other in sorted(imported)
        if other.startswith(OUTBOUND_MUST_NOT_IMPORT) or unit_of(other) in LAYERS[-1][1]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_cycle_between_packages():
    assert cycles(unit_graph()) == []


def test_no_cycle_between_modules():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected


def test_the_import_reader_sees_function_level_and_from_imports():
    source = (
        "def f():\n    from bot import create_app\n"
        "import outbound.jobs as jobs\nfrom bot.services import inbox\n"
    )
    assert imported_names(source, {"bot.services.inbox"}) == {
        "bot",
        "outbound.jobs",
        "bot.services.inbox",
    }
