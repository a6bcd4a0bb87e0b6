"""The reminder job started with the web app, and coach accounts."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.booking import service
from bot.storage.models import InfoSession, utcnow
from bot.web.app import create_app
from bot.accounts import AuthError, authenticate, create_coach, ensure_first_admin


async def test_the_web_app_sends_due_reminders_once_even_across_restarts(web_db, tmp_path):
    session = service.upcoming_sessions(web_db, "paris")[0]
    with web_db.session() as s:  # the session now starts in 47 hours: its reminder is due
        row = s.get(InfoSession, session.id)
        row.starts_at = utcnow() + timedelta(hours=47)
        row.ends_at = row.starts_at + timedelta(hours=2)
    booking = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "M",
                                                "email": "lea@exemple.fr"}, consent=True, notify=False)
    outbox = tmp_path / "outbox"
    for _ in range(2):  # start, run a few rounds, stop; then "restart"
        app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0.05)
        async with TestClient(TestServer(app)):
            await asyncio.sleep(0.5)
    reminders = [p for p in outbox.glob("*.eml") if "Rappel" in p.read_text(errors="replace")
                 or "rappel" in p.read_text(errors="replace")]
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
