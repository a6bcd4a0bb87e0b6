"""Files that may hold personal data (databases, outbox e-mails, training
examples, secrets) are readable by their owner only: 0600, in 0700 folders.

``private_umask()`` is called when our processes start (bot/run.py, the web app,
the action server through ``actions/__init__.py``; ``Servers`` starts Rasa with
the same umask), so files made by libraries (SQLite's, Rasa's tracker store)
follow too; the writers below set the modes themselves as well.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Union

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def private_umask() -> int:
    """Make every file this process creates private; returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Union[str, Path]) -> Path:
    """Create ``path`` (and parents) if needed; ``path`` itself ends up 0700.

    A shared folder (sticky or writable by all, like /tmp when a database or a
    log is put straight in it) is left as it is: closing it would lock other
    users out of it (PostgreSQL's own user, for one)."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    mode = path.stat().st_mode
    if mode & (stat.S_ISVTX | stat.S_IWOTH):
        return path
    if mode & 0o777 != DIR_MODE:
        try:
            path.chmod(DIR_MODE)
        except PermissionError:  # not ours (e.g. a shared parent): leave it
            pass
    return path


def private_file(path: Union[str, Path]) -> Path:
    """Create ``path`` empty if missing; make it 0600 either way."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return path


def write_private(path: Union[str, Path], data: Union[bytes, str]) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, then rename), 0600."""
    path = Path(path)
    private_dir(path.parent)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
