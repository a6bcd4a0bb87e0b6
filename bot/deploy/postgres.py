"""A local PostgreSQL cluster: throw-away for the tests, kept for ``make run-prod``.

``PostgresCluster`` finds Debian's binaries (``/usr/lib/postgresql/*/bin``), runs
``initdb`` in a directory (a temporary one by default), starts the server on a
port of 127.0.0.1 (Unix socket in the same directory) and, unless ``keep``,
deletes everything on ``stop()``. As root, the binaries run as the ``postgres``
system user (initdb refuses root). ``durable=False`` (the tests) turns fsync off.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional

from bot import settings


def find_bin_dir() -> Optional[Path]:
    """The newest ``/usr/lib/postgresql/<v>/bin`` holding initdb and pg_ctl, else None."""
    extra = settings.current().pg_bin
    candidates = ([extra] if extra else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for candidate in candidates:
        path = Path(candidate)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    def __init__(self, bin_dir: Path, database: str = "cae_test", max_connections: int = 300,
                 base_dir: Optional[Path] = None, port: Optional[int] = None, keep: bool = False,
                 durable: bool = False, databases: tuple = ()):
        self.bin_dir = bin_dir
        self.database = database
        self.databases = (database, *databases)
        self.max_connections = max_connections
        self.port = port or free_port()
        self.keep, self.durable = keep, durable
        self.as_user: Optional[str] = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
        if base_dir is not None:
            base_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(base_dir) if base_dir is not None else Path(tempfile.mkdtemp(prefix="cae-pg-"))
        self.data_dir = self.tmp / "data"
        self.log_file = self.tmp / "server.log"
        self.started = False

    @property
    def url(self) -> str:
        return self.url_of(self.database)

    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command: List[str] = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, cwd=str(self.tmp), timeout=120
        )

    def start(self) -> "PostgresCluster":
        if self.as_user:
            user = pwd.getpwnam(self.as_user)
            os.chown(self.tmp, user.pw_uid, user.pw_gid)
            reachable = subprocess.run(["runuser", "-u", self.as_user, "--", "test", "-w", str(self.tmp)])
            if reachable.returncode != 0:
                raise RuntimeError(
                    f"PostgreSQL runs as '{self.as_user}', which cannot reach {self.tmp}: "
                    "choose a directory whose parents it may traverse (e.g. under /tmp)."
                )
        try:
            if not (self.data_dir / "PG_VERSION").exists():
                self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C", "--no-sync")
            fast = "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            options = (
                f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 {fast}"
                f"-c max_connections={self.max_connections} -c shared_buffers=32MB"
            )
            self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                      "-o", options, "-w", "-t", "60", "start")
        except subprocess.CalledProcessError as error:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            self.stop()
            raise RuntimeError(
                f"PostgreSQL did not start: {error.stdout}\n{error.stderr}\n{log[-2000:]}"
            ) from error
        self.started = True
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                connection = psycopg2.connect(
                    host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
                )
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for database in self.databases:
                    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                    if cursor.fetchone() is None:
                        cursor.execute(f'CREATE DATABASE "{database}"')
        finally:
            connection.close()

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop",
                      check=False)
            self.started = False
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "PostgresCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
