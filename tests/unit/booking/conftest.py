"""Fixtures for the booking tests: ``db`` is a fresh SQLite database here;
tests/e2e/booking/ runs the same tests on a throw-away PostgreSQL cluster
(``tests/pg.py``, started once per session) with these fixtures."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
from sqlalchemy import text

from bot.storage.db import Database, upgrade
from bot.storage.models import Base, Cae, InfoSession, Place
from tests.pg import PostgresCluster, find_bin_dir


@pytest.fixture(scope="session")
def pg_url():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): "
                    "install the postgresql package to run these tests")
    with PostgresCluster(bin_dir) as cluster:
        upgrade(cluster.url)
        yield cluster.url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "cae.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_database(kind: str, request, tmp_path, sqlite_template) -> str:
    """The URL of an empty migrated database: a copy of the SQLite template, or
    the PostgreSQL cluster's database emptied."""
    if kind == "sqlite":
        path = tmp_path / "cae.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    database = Database(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()
    return url


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path, sqlite_template):
    return fresh_database(request.param, request, tmp_path, sqlite_template)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def outbox(tmp_path, monkeypatch):
    """Every e-mail of every test goes to a temporary outbox."""
    for name in ("CAE_SMTP_HOST", "CAE_SMTP_PORT", "CAE_SMTP_USER", "CAE_SMTP_PASSWORD",
                 "CAE_SMTP_FROM", "CAE_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "outbox"
    monkeypatch.setenv("CAE_OUTBOX_DIR", str(path))
    return path


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


_numbers = count(1)


def add_session(db, starts_in=timedelta(days=3), capacity=10, city="Rouen", departement="76",
                video=False, status="planned", cae_name="CAE Normandie"):
    """A session ``starts_in`` from now; returns its id."""
    n = next(_numbers)
    starts_at = utcnow() + starts_in
    with db.session() as s:
        cae = Cae(name=cae_name, slug=f"cae-{n}")
        place = None
        if not video:
            place = Place(cae=cae, name=f"Salle {n}", address="1 place du Marché",
                          postal_code=f"{departement}000", city=city, departement=departement)
        sess = InfoSession(cae=cae, place=place,
                           video_url="https://visio.example.org/ri" if video else None,
                           starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                           capacity=capacity, status=status)
        s.add(sess)
        s.flush()
        return sess.id


def person(n=1, **extra):
    return {"first_name": f"Camille{n}", "last_name": "Martin",
            "email": f"camille.{n}@example.org", **extra}
