"""Marks choosing the database a test runs on, through the `database` fixture of
tests/conftest.py: SQLite, PostgreSQL on a throwaway cluster, or both."""

from __future__ import annotations

import pytest

# For a module (`pytestmark = BOTH_DATABASES`) or a test: run on SQLite and on PostgreSQL.
BOTH_DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
ONLY_SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
ONLY_POSTGRESQL = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
