"""The requirement list in docs/REQUIREMENTS.md names the tests that cover each
requirement; every test it names exists, so the list cannot drift from the suite."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "docs" / "REQUIREMENTS.md"


def defined_tests(folder: Path) -> dict[str, set[str]]:
    """Test function names by file name, for every test file below `folder`."""
    found = {}
    for path in folder.rglob("test_*.py"):
        names = re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
        found.setdefault(path.name, set()).update(names)
    return found


def test_every_test_the_requirement_list_names_exists():
    text = REQUIREMENTS.read_text(encoding="utf-8")
    tests = defined_tests(ROOT / "tests")
    everywhere = set().union(*tests.values())
    named = re.findall(r"`(?:(test_\w+\.py)::)?(test_\w+)`", text)
    assert len(named) > 60
    missing = [
        f"{file}::{name}" if file else name
        for file, name in named
        if name not in (tests.get(file, set()) if file else everywhere)
    ]
    assert missing == []
