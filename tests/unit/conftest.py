"""A fresh SQLite database with the sample sessions, used by the actions
through ``bot.storage.db.get_database()`` (as in the action server)."""
from __future__ import annotations

import pytest

from bot.booking.sample import load_sample
from bot.storage import db as storage


@pytest.fixture
def sample_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cae.db'}"
    monkeypatch.setenv("CAE_DATABASE_URL", url)
    monkeypatch.setenv("CAE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("CAE_LINK_SECRET", "test-secret")
    monkeypatch.setattr(storage, "_default", None)
    storage.upgrade(url)
    database = storage.get_database()
    load_sample(database)
    yield database
    database.dispose()
    monkeypatch.setattr(storage, "_default", None)
