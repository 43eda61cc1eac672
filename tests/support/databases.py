"""Marks choosing the database a test runs on, through the `database` fixture of
tests/conftest.py (SQLite, PostgreSQL on a throwaway cluster, or both), and a recorder of
the SQL statements a block runs."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

# For a module (`pytestmark = BOTH_DATABASES`) or a test: run on SQLite and on PostgreSQL.
BOTH_DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
ONLY_SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
ONLY_POSTGRESQL = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@contextmanager
def statements_run(db):
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def assert_within_budget(statements: list[str], budget: int) -> None:
    """Fail, listing the statements, unless exactly `budget` of them ran: more is a cost that
    crept in, fewer a saving whose budget (and the documented figure) should come down."""
    if len(statements) != budget:
        listed = "\n".join(
            f"  {number}. {' '.join(sql.split())[:140]}" for number, sql in enumerate(statements, 1)
        )
        raise AssertionError(f"{len(statements)} statements, the budget is {budget}:\n{listed}")
