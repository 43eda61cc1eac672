"""`conversations/` stays pure: no web framework, database, queue or network imports.

The rule is checked on the source (every import statement in every module),
so it also holds for code paths no other test happens to run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "conversations"
FORBIDDEN = {
    "flask",
    "flask_login",
    "flask_wtf",
    "werkzeug",
    "sqlalchemy",
    "rq",
    "redis",
    "requests",
    "twilio",
    "socket",
    "http",
    "urllib",
    "bot",
}


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def _dynamic_import(call: ast.Call) -> bool:
    name = getattr(call.func, "id", getattr(call.func, "attr", None))
    return (
        name in {"__import__", "import_module"}
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
    )


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_modules():
    assert {path.name for path in MODULES} >= {"__init__.py", "keywords.py", "engine.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_module_imports_nothing_impure(path):
    forbidden = imported_roots(path.read_text(encoding="utf-8")) & FORBIDDEN
    assert not forbidden, f"{path.name} imports {sorted(forbidden)}"


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from sqlalchemy.orm import Session",
        "import redis.client",
        "from http import client",
        "import urllib.request as r",
        "importlib.import_module('rq')",
    ],
)
def test_the_check_catches_each_kind_of_import(source):
    assert imported_roots(source) & FORBIDDEN
