"""The pure packages stay pure: no web framework, database, queue or network imports.

`conversations/` (the reply reader) and `outbound/policy/` (what to send, when
and how) are plain functions over plain values. The rule is checked on the
source (every import statement in every module, also inside functions and
through importlib), so it also holds for code paths no other test runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("conversations", "outbound/policy")
FORBIDDEN = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_babel",
    "werkzeug",
    "sqlalchemy",
    "rq",
    "redis",
    "requests",
    "twilio",
    "socket",
    "smtplib",
    "http",
    "urllib.request",
    "bot",
)
# Only the pure part of `outbound` may be imported from a pure package.
ALLOWED_INSIDE_FORBIDDEN_ROOTS = ("outbound.policy",)


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            modules.add(str(node.args[0].value))
    return modules


def _dynamic_import(call: ast.Call) -> bool:
    name = getattr(call.func, "id", getattr(call.func, "attr", None))
    return (
        name in {"__import__", "import_module"}
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
    )


def impure(modules: set[str]) -> set[str]:
    def within(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    return {
        module
        for module in modules
        if any(within(module, prefix) for prefix in FORBIDDEN)
        or (
            within(module, "outbound")
            and not any(within(module, allowed) for allowed in ALLOWED_INSIDE_FORBIDDEN_ROOTS)
        )
    }


MODULES = sorted(path for package in PURE_PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_the_packages_have_modules():
    names = {path.relative_to(ROOT).as_posix() for path in MODULES}
    assert {
        "conversations/__init__.py",
        "conversations/keywords.py",
        "conversations/engine.py",
        "outbound/policy/planner.py",
        "outbound/policy/vocabulary.py",
        "outbound/policy/sandbox/__init__.py",
    } <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_module_imports_nothing_impure(path):
    forbidden = impure(imported_modules(path.read_text(encoding="utf-8")))
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
        "from outbound.sending import send_message_now",
        "from bot.models import Record",
    ],
)
def test_the_check_catches_each_kind_of_import(source):
    assert impure(imported_modules(source))


def test_the_check_lets_pure_imports_through():
    source = "from urllib.parse import urlsplit\nfrom outbound.policy.vocabulary import Channel\n"
    assert impure(imported_modules(source)) == set()
