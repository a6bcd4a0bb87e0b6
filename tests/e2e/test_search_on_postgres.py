"""tests/unit/test_search.py again, on a throw-away PostgreSQL cluster (tests/pg.py):
the folded columns, the conversations' index and the migration's backfill."""
from __future__ import annotations

import pytest

from bot.storage.db import upgrade
from tests.pg import PostgresCluster, find_bin_dir
from tests.unit.test_search import *  # noqa: F401,F403
from tests.unit.test_search import open_db

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): scripts/system_deps.sh installs them")
    with PostgresCluster(bin_dir) as cluster:
        upgrade(cluster.url)  # the migration, on PostgreSQL too
        yield cluster.url


@pytest.fixture
def db(request, tmp_path):  # noqa: F811 - this module's database: PostgreSQL
    yield from open_db("postgres", request, tmp_path)


# Runs on SQLite files of its own, not on this module's database: tests/unit runs it.
test_the_migration_fills_the_folded_columns = None
