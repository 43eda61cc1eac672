"""The Procfile's command lines, read from the file itself, for the tests and benchmarks that
start the processes exactly as the process manager does."""

from __future__ import annotations

from pathlib import Path

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def procfile_command(name: str) -> str:
    """The command line of process `name` (web, worker, clock), as honcho runs it."""
    for line in PROCFILE.read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.strip()
    raise LookupError(f"no {name!r} process in the Procfile")
