"""The web app on a throw-away SQLite database with the sample sessions and two
coach accounts (one per CAE) plus an admin."""
from __future__ import annotations

import pytest
from aiohttp import BasicAuth
from aiohttp.test_utils import TestClient, TestServer

from bot.booking.coach import cae_id_of
from bot.booking.sample import load_sample
from bot.storage.db import Database, upgrade
from bot.web.app import create_app
from bot.web.auth import create_coach

PASSWORD = "un mot de passe solide"


@pytest.fixture
def web_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CAE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("CAE_SESSION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    url = f"sqlite:///{tmp_path / 'cae.db'}"
    upgrade(url)
    db = Database(url)
    load_sample(db)
    create_coach(db, "rouen@cae.test", PASSWORD, cae_id=cae_id_of(db, "coop-normandie"))
    create_coach(db, "paris@cae.test", PASSWORD, cae_id=cae_id_of(db, "coop-paris"))
    create_coach(db, "admin@cae.test", PASSWORD, role="admin")
    yield db
    db.dispose()


@pytest.fixture
async def client(web_db):
    app = create_app(rasa_url="http://rasa.test:5005", db=web_db, reminder_interval=0)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def as_coach(email: str) -> BasicAuth:
    return BasicAuth(email, PASSWORD)
