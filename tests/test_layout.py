"""The test tree's layout: conftest.py files hold fixtures, the plain helpers and
constants several folders share live in tests/support/, and no module imports a
conftest module (pytest finds the fixtures by itself; an imported conftest would be
a second copy of it, and its helpers hidden where nobody looks for them)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The test tree, and the scripts and benchmarks that borrow its helpers.
FOLDERS = ("tests", "bench", "scripts")


def python_files() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an import in `tree` names, dotted, relative ones with their dots."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append(module)
            # `from tests.web import conftest` imports the module by its name.
            found.extend(f"{module}.{alias.name}".lstrip(".") for alias in node.names)
    return found


def names_a_conftest(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "conftest"


def test_no_module_imports_a_conftest_module():
    files = python_files()
    assert len(files) > 100  # the walk found the tree
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        if names_a_conftest(module)
    ]
    assert offenders == []


def test_a_conftest_defines_only_fixtures_and_private_helpers():
    conftests = sorted((ROOT / "tests").rglob("conftest.py"))
    assert len(conftests) > 1
    public_helpers = []
    for path in conftests:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                is_fixture = any("fixture" in ast.unparse(d) for d in node.decorator_list)
                if not (is_fixture or node.name.startswith(("_", "pytest_"))):
                    public_helpers.append(f"{path.relative_to(ROOT)}: def {node.name}")
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and not name.id.startswith("_"):
                            public_helpers.append(f"{path.relative_to(ROOT)}: {name.id} =")
    assert public_helpers == []
