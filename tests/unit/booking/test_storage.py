"""Database set-up, migrations and constraints."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.script import ScriptDirectory
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.storage import db as storage
from bot.storage.models import Base, Booking, InfoSession, Person
from tests.unit.booking.conftest import add_session


def test_default_url_is_sqlite_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("CAE_DATABASE_URL", raising=False)
    monkeypatch.setenv("CAE_VAR_DIR", str(tmp_path / "var"))
    assert storage.database_url() == f"sqlite:///{tmp_path / 'var' / 'cae.db'}"
    assert (tmp_path / "var").is_dir()
    monkeypatch.setenv("CAE_DATABASE_URL", "postgresql://u@h/db")
    assert storage.database_url() == "postgresql://u@h/db"


def test_sqlite_pragmas(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_migrations_match_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(storage.alembic_config(db.url)).get_current_head()
        assert context.get_current_revision() == head
    tables = set(inspect(db.engine).get_table_names())
    assert {"cae", "place", "info_session", "person", "booking"} <= tables


def test_upgrade_is_idempotent(db):
    """Upgrading an up-to-date database again changes nothing: same revision, same
    tables, the rows kept."""
    session_id = add_session(db)
    head = ScriptDirectory.from_config(storage.alembic_config(db.url)).get_current_head()
    tables = set(inspect(db.engine).get_table_names())
    storage.upgrade(db.url)
    storage.upgrade(db.url)
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert set(inspect(db.engine).get_table_names()) == tables
    with db.reader() as s:
        assert s.get(InfoSession, session_id) is not None


def test_db_rejects_two_active_bookings(db):
    session_id = add_session(db)
    with db.session() as s:
        p = Person(first_name="A", last_name="B", email="a@example.org")
        s.add(p)
        s.add(Booking(reference="RI-AAAAAA", person=p, session_id=session_id,
                      status="registered"))
    with pytest.raises(IntegrityError):
        with db.session() as s:
            p = s.execute(select(Person)).scalar_one()
            s.add(Booking(reference="RI-BBBBBB", person=p, session_id=session_id,
                          status="waitlisted", position=1))
    # A cancelled booking does not count: cancel, then book again.
    with db.session() as s:
        s.execute(select(Booking)).scalar_one().status = "cancelled"
    with db.session() as s:
        p = s.execute(select(Person)).scalar_one()
        s.add(Booking(reference="RI-CCCCCC", person=p, session_id=session_id,
                      status="registered"))
    with pytest.raises(IntegrityError):  # unique e-mail
        with db.session() as s:
            s.add(Person(first_name="C", last_name="D", email="a@example.org"))


def test_check_constraints(db):
    session_id = add_session(db)
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.get(InfoSession, session_id).capacity = 0
    with pytest.raises(IntegrityError):
        with db.session() as s:
            p = Person(first_name="A", last_name="B", email="x@example.org")
            s.add(Booking(reference="RI-DDDDDD", person=p, session_id=session_id,
                          status="maybe"))


def test_datetimes_come_back_in_utc(db):
    session_id = add_session(db)
    paris = timezone(timedelta(hours=1))
    start = datetime(2031, 1, 15, 14, 0, tzinfo=paris)
    with db.session() as s:
        sess = s.get(InfoSession, session_id)
        sess.starts_at, sess.ends_at = start, start + timedelta(hours=2)
    with db.Session() as s:
        value = s.get(InfoSession, session_id).starts_at
    assert value == start and value.tzinfo == timezone.utc and value.hour == 13


def test_sqlite_readers_do_not_wait_for_writers(tmp_path):
    import time

    from bot.booking.service import upcoming_sessions

    url = f"sqlite:///{tmp_path / 'cae.db'}"
    storage.upgrade(url)
    database = storage.Database(url)
    add_session(database)
    with database.session() as writer:  # BEGIN IMMEDIATE: holds the write lock
        writer.get(InfoSession, 1).capacity = 5
        writer.flush()
        started = time.monotonic()
        assert len(upcoming_sessions(database)) == 1
        assert time.monotonic() - started < 2
    database.dispose()
