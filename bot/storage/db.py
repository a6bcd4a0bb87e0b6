"""Database URL, engine and session factories, transactions with retry, migrations.

The URL comes from ``CAE_DATABASE_URL``; the default is a SQLite file,
``<repo>/var/cae.db`` (``var/`` follows ``CAE_VAR_DIR`` like the rest of the app).

SQLite: WAL journal, foreign keys on, busy timeout, and every transaction starts
with ``BEGIN IMMEDIATE`` so that writers are serialised (the Python driver's own
transaction handling is switched off, as SQLAlchemy's documentation recommends).
PostgreSQL (psycopg2): plain READ COMMITTED; code that must serialise on a row
takes ``SELECT ... FOR UPDATE``, which SQLite simply ignores: one code path.
"""
from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
READ_ONLY_OPTION = "cae_read_only"


def var_dir() -> Path:
    return settings.current().var_dir


def database_url() -> str:
    """``CAE_DATABASE_URL`` or ``sqlite:///<repo>/var/cae.db`` (creating ``var/``)."""
    url = settings.current().database_url
    if url:
        return url
    from bot.storage.files import private_dir

    directory = private_dir(var_dir())
    return f"sqlite:///{directory / 'cae.db'}"


def make_engine(url: Optional[str] = None, **kwargs: Any) -> Engine:
    """A ``future=True`` engine set up for our needs (see the module docstring).

    Extra keyword arguments go to ``create_engine`` (e.g. ``poolclass``).
    """
    url_obj = make_url(url or database_url())
    backend = url_obj.get_backend_name()
    if backend == "sqlite":
        database = url_obj.database
        if database and database != ":memory:" and not database.startswith("file:"):
            from bot.storage.files import private_file

            # Owner-only before SQLite opens it: its -wal and -shm files copy the mode.
            private_file(Path(database).expanduser())
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url_obj, future=True, connect_args=connect_args, **kwargs)
        _setup_sqlite(engine)
        return engine
    if backend == "postgresql" and url_obj.drivername == "postgresql":
        url_obj = url_obj.set(drivername="postgresql+psycopg2")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url_obj, future=True, **kwargs)


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy (the "begin" hook below) decide when transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Erased rows are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):  # pragma: no cover - trivial
        # Writers take the write lock up front (no deadlock-prone lock upgrades);
        # read-only work (Database.reader) starts a deferred transaction, which in
        # WAL mode neither waits for nor blocks the writers.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def contains(column: Any, text: str) -> Any:
    """The SQL condition "``column`` contains ``text``", with ``%``, ``_`` and
    ``\\`` in ``text`` taken literally (the same on SQLite and PostgreSQL)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def is_retryable(error: Exception) -> bool:
    """Lock contention worth retrying: SQLite "database is locked",
    PostgreSQL serialization failure or deadlock."""
    if isinstance(error, OperationalError):
        text = str(getattr(error, "orig", error)).lower()
        if "database is locked" in text or "database table is locked" in text:
            return True
    if isinstance(error, DBAPIError):
        code = getattr(getattr(error, "orig", None), "pgcode", None)
        if code in ("40001", "40P01"):
            return True
    return False


class Database:
    """An engine plus its session factory; what the services take as ``db``."""

    def __init__(self, url: Optional[str] = None, **engine_kwargs: Any) -> None:
        self.url = url or database_url()
        self.engine = make_engine(self.url, **engine_kwargs)
        self.Session = make_session_factory(self.engine)
        self.ReadSession = make_session_factory(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction, committed on success (no retry)."""
        with self.Session() as session:
            with session.begin():
                yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading only (on SQLite: no write lock taken)."""
        with self.ReadSession() as session:
            yield session

    def run(
        self,
        work: Callable[[Session], T],
        attempts: int = 8,
        integrity_retries: int = 2,
    ) -> T:
        """Run ``work(session)`` in one transaction, retrying on lock contention.

        ``IntegrityError`` is retried ``integrity_retries`` times too: it comes from
        races the work function re-checks on the next run (same e-mail inserted by
        two requests, reference collision), so the retry either succeeds or raises
        a clear error. Anything else (including ``BookingError``) rolls back and
        propagates. Keep ORM objects inside ``work``: return plain values.
        """
        integrity_left = integrity_retries
        for attempt in range(1, attempts + 1):
            try:
                with self.Session() as session:
                    with session.begin():
                        return work(session)
            except IntegrityError:
                if integrity_left <= 0:
                    raise
                integrity_left -= 1
                logger.info("integrity race, retrying (attempt %s)", attempt)
            except DBAPIError as error:
                if not is_retryable(error) or attempt == attempts:
                    raise
                logger.info("database busy, retrying (attempt %s): %s", attempt, error)
                time.sleep(min(1.0, 0.02 * 2**attempt) * random.random())
        raise RuntimeError("unreachable")  # pragma: no cover

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it (after
        an erasure, so no old page image stays in the log). No-op elsewhere."""
        checkpoint_sqlite(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def checkpoint_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except DBAPIError as error:  # busy: SQLite checkpoints by itself later
        logger.info("checkpoint postponed: %s", error)


_default: Optional[Database] = None


def get_database() -> Database:
    """The process-wide database for ``CAE_DATABASE_URL`` (created on first use)."""
    global _default
    if _default is None:
        _default = Database()
    return _default


def alembic_config(url: Optional[str] = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url or database_url()
    return config


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    """Bring the database to ``revision`` (Alembic, run programmatically)."""
    from alembic import command

    config = alembic_config(url)
    engine = make_engine(config.attributes["database_url"])
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        engine.dispose()
