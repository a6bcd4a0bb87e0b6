"""Shared by tests/unit/web and tests/e2e/web (their conftest.py takes the
fixtures from here): the web app on a throw-away SQLite database with the sample sessions and two
coach accounts (one per CAE) plus an admin."""
from __future__ import annotations

import pytest
from aiohttp import BasicAuth
from aiohttp.test_utils import TestClient, TestServer

from bot.booking.coach import cae_id_of
from bot.booking.sample import load_sample
from bot.storage.db import Database, upgrade
from bot.web.app import create_app
from bot.accounts import create_coach

PASSWORD = "un mot de passe solide"


def build_web_db(url: str) -> None:
    """Sample sessions and three accounts: a coach per CAE and an admin."""
    upgrade(url)
    db = Database(url)
    from bot.caes.store import load_profiles
    load_profiles(db)
    load_sample(db)
    create_coach(db, "rouen@cae.test", PASSWORD, cae_id=cae_id_of(db, "coop-normandie"))
    create_coach(db, "paris@cae.test", PASSWORD, cae_id=cae_id_of(db, "coop-paris"))
    create_coach(db, "admin@cae.test", PASSWORD, role="admin")
    db.dispose()


@pytest.fixture
def web_db(tmp_path, monkeypatch, sqlite_copy):
    monkeypatch.setenv("CAE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("CAE_SESSION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    db = Database(sqlite_copy(tmp_path / "cae.db", "web", build_web_db))
    yield db
    db.dispose()


@pytest.fixture
async def client(web_db):
    app = create_app(rasa_url="http://rasa.test:5005", db=web_db, reminder_interval=0)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def as_coach(email: str) -> BasicAuth:
    return BasicAuth(email, PASSWORD)


def make_tracker_db(path, extra: dict[str, list[str]] | None = None) -> str:
    """A real Rasa SQL tracker store (SQLite) with three conversations from
    yesterday: a plain one, one with a fallback and hostile text, one asking for
    a person; ``extra``: more conversations (sender id -> the person's messages)."""
    import asyncio
    from datetime import datetime, timedelta, timezone

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    # Yesterday as the dashboard counts days: in Paris (between 23:00 and 00:00
    # UTC, Paris is already on the next day).
    from bot.dates import PARIS
    yesterday = (datetime.now(PARIS) - timedelta(days=1)).replace(hour=10).timestamp()

    def user(text, intent, confidence, at):
        return UserUttered(text, intent={"name": intent, "confidence": confidence},
                           parse_data={"intent": {"name": intent, "confidence": confidence},
                                       "entities": [], "text": text},
                           input_channel="rest", timestamp=at)

    conversations = {
        "conv-plain": [user("bonjour", "greet", 0.99, yesterday), ActionExecuted("utter_greet", timestamp=yesterday + 1),
                       BotUttered("Bonjour ! Que souhaitez-vous faire ?", timestamp=yesterday + 1)],
        "conv-fallback": [user("<script>alert(1)</script> euh", "nlu_fallback", 0.31, yesterday + 10),
                          ActionExecuted("action_fallback_choices", timestamp=yesterday + 11),
                          BotUttered("Je ne suis pas sûr d'avoir bien compris.",
                                     data={"buttons": [{"title": "La CAPE", "payload": "/ask_topic"}]},
                                     timestamp=yesterday + 11),
                          SlotSet("faq_topic", "cape_what", timestamp=yesterday + 12)],
        "conv-handoff": [user("=HYPERLINK(\"http://x\") je veux parler à un conseiller", "human_handoff", 0.95,
                              yesterday + 20)],
    }
    for sender, texts in (extra or {}).items():
        conversations[sender] = [user(text, "inform", 0.9, yesterday + 30 + i) for i, text in enumerate(texts)]
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    async def save_all():
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save_all())
    store.engine.dispose()
    return f"sqlite:///{path}"


def start_session(db, session_id: int) -> None:
    """Move a session so that it started an hour ago (attendance is marked from its start)."""
    from datetime import timedelta

    from bot.storage.models import InfoSession, utcnow

    def work(s):
        sess = s.get(InfoSession, session_id)
        sess.starts_at, sess.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)

    db.run(work)
