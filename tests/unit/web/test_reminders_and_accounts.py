"""The reminder job started with the web app, and coach accounts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.booking import service
from bot.storage.models import InfoSession, utcnow
from bot.booking.reminders import send_due_reminders
from bot.web import app as web_app
from bot.web.app import create_app
from tests.support import eventually
from bot.accounts import AuthError, authenticate, create_coach, ensure_first_admin


async def test_the_web_app_sends_due_reminders_once_even_across_restarts(web_db, tmp_path, monkeypatch):
    session = service.upcoming_sessions(web_db, "paris")[0]
    with web_db.session() as s:  # the session starts in 30 hours: J-2 9:00 Paris is past
        row = s.get(InfoSession, session.id)
        row.starts_at = utcnow() + timedelta(hours=30)
        row.ends_at = row.starts_at + timedelta(hours=2)
    booking = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "M",
                                                "email": "lea@exemple.fr"}, consent=True, notify=False,
                           now=utcnow() - timedelta(days=7))  # booked a week ago
    outbox = tmp_path / "outbox"

    def sent() -> list:
        return [p for p in outbox.glob("*.eml") if "rappel" in p.read_text(errors="replace").lower()]

    rounds = []  # the reminder job's runs, counted around the real one
    monkeypatch.setattr(web_app, "send_due_reminders", lambda db: (rounds.append(1), send_due_reminders(db)))
    for _ in range(2):  # start, run a few rounds, stop; then "restart"
        app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0.05)
        async with TestClient(TestServer(app)):
            start = len(rounds)
            await eventually(lambda: len(rounds) >= start + 3 and sent(), what="three rounds and a reminder")
    reminders = sent()
    assert len(reminders) == 1
    assert booking.reference in reminders[0].read_text(errors="replace")


def test_accounts_hash_passwords_and_refuse_weak_ones(web_db):
    with pytest.raises(AuthError):
        create_coach(web_db, "x@cae.test", "court")
    with pytest.raises(AuthError):
        create_coach(web_db, "rouen@cae.test", "un autre mot de passe")
    assert authenticate(web_db, "ROUEN@cae.test", "un mot de passe solide").email == "rouen@cae.test"
    assert authenticate(web_db, "rouen@cae.test", "faux") is None
    from sqlalchemy import select

    from bot.storage.models import Coach
    with web_db.reader() as s:
        hashes = s.execute(select(Coach.password_hash)).scalars().all()
    assert all(h.startswith("$argon2") for h in hashes)


def test_first_admin_only_on_a_fresh_installation(web_db, tmp_path):
    assert ensure_first_admin(web_db, tmp_path / "pw") is None  # accounts exist
    from bot.storage.db import Database, upgrade
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    fresh = Database(url)
    password = ensure_first_admin(fresh, tmp_path / "pw")
    assert password and (tmp_path / "pw").read_text().strip() == password
    assert oct((tmp_path / "pw").stat().st_mode & 0o777) == "0o600"
    assert authenticate(fresh, "admin@cae.local", password).role == "admin"
    assert ensure_first_admin(fresh, tmp_path / "pw") is None
    fresh.dispose()
