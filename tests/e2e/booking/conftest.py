"""The booking tests on a throw-away PostgreSQL cluster (``tests/pg.py``), and
the concurrency tests on both databases.

Each ``test_*_on_postgres.py`` collects one module of tests/unit/booking again;
of those, only the tests using the database run here, on PostgreSQL (SQLite is
tests/unit's run); the others are deselected (tests/unit runs them).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.booking.conftest import db, fresh_database, outbox, pg_url, sqlite_template  # noqa: F401  (fixtures)

HERE = Path(__file__).resolve().parent


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, sqlite_template):
    return fresh_database(request.param, request, tmp_path, sqlite_template)


def _run_in_unit(item) -> bool:
    """A tests/unit test collected again here that tests/unit already runs."""
    function = getattr(item, "function", None)
    if HERE not in item.path.parents or not (function and function.__module__.startswith("tests.unit.")):
        return False
    return "db_url" not in item.fixturenames or item.callspec.params.get("db_url") != "postgres"


def pytest_collection_modifyitems(config, items):
    dropped = [item for item in items if _run_in_unit(item)]
    if dropped:
        items[:] = [item for item in items if not _run_in_unit(item)]
        config.hook.pytest_deselected(items=dropped)
