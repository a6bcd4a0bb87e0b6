"""A person sees and erases their data from the chat (REST channel, real
servers); afterwards nothing of it is left in any store."""
from __future__ import annotations

import json
import re
import sqlite3
import urllib.request

import pytest
from sqlalchemy import select

from bot.storage import models
from bot.storage.db import Database
from tests.support import chat, payloads, texts
from tests.e2e.conversations.test_booking_e2e import book

pytestmark = [pytest.mark.model, pytest.mark.servers]

EMAIL, FIRST, LAST = "zoe.durand@exemple.fr", "Zoé", "Durand"


def stores_text(servers) -> str:
    chunks = []
    with sqlite3.connect(servers.tracker_db) as connection:
        chunks += [json.dumps(row, ensure_ascii=False) for row in connection.execute("SELECT * FROM events")]
    db = Database(servers.database_url)
    with db.reader() as s:
        for table in models.Base.metadata.sorted_tables:
            chunks += [json.dumps(dict(r._mapping), default=str, ensure_ascii=False) for r in s.execute(select(table))]
    db.dispose()
    chunks += [p.read_text(errors="replace") for p in servers.outbox.glob("*.eml")]
    return "\n".join(chunks)


def test_see_then_erase_my_data_from_the_chat(servers):
    me = "privacy-e2e"
    assert "C'est confirmé" in book(servers, me, EMAIL, FIRST, LAST)
    chat(servers, me, "je veux parler à un conseiller")
    chat(servers, me, EMAIL)
    before = stores_text(servers)
    assert EMAIL in before and LAST in before

    replies = chat(servers, me, "quelles données avez-vous sur moi ?")
    shown = texts(replies)
    assert EMAIL in shown and "Zoé Durand" in shown
    assert payloads(replies) == ["/erase_my_data"]  # the response's button, from the domain
    page_link = re.search(r"http://\S+/mes-donnees/\S+\.html\?t=\w+", shown).group(0)
    with urllib.request.urlopen(page_link, timeout=30) as reply:
        page = reply.read().decode("utf-8")
    # The readable page: who we are, what we hold and why, the transcript with dates.
    assert "Qui nous sommes" in page and "Ce que nous gardons et pourquoi" in page
    assert EMAIL in page and "Zoé" in page and "Vos conversations avec l'assistant" in page
    assert "parse_data" not in page and "intent_ranking" not in page
    link = page_link.replace(".html?", ".json?")
    assert link.split("/mes-donnees/", 1)[1] in page.replace("&amp;", "&")  # the page links to the JSON
    with urllib.request.urlopen(link, timeout=30) as reply:
        document = json.load(reply)
    assert document["person"]["email"] == EMAIL and document["bookings"]
    assert any(EMAIL in json.dumps(m, ensure_ascii=False) for m in document["messages"])
    forged = link.rsplit("t=", 1)[0] + "t=" + "0" * 32
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(forged, timeout=30)

    replies = chat(servers, me, "supprimez mes données")
    assert "Confirmez-vous" in texts(replies) and payloads(replies) == ["Oui", "Non"]
    assert "vos données ont été effacées" in texts(chat(servers, me, "oui"))

    after = stores_text(servers)
    for needle in (EMAIL, "zoe.durand", LAST):
        assert needle not in after, needle
    # The conversation goes on, anonymously.
    assert "Bonjour" in texts(chat(servers, me, "bonjour"))


def test_refusing_the_erasure_keeps_everything(servers):
    me = "privacy-e2e-keep"
    book(servers, me, "yan.keep@exemple.fr", "Yan", "Keep")
    assert "Confirmez-vous" in texts(chat(servers, me, "effacez mes données personnelles"))
    assert "je ne supprime rien" in texts(chat(servers, me, "non"))
    assert "yan.keep@exemple.fr" in stores_text(servers)


def test_booking_with_someone_elses_email_reaches_none_of_their_data(servers):
    """The takeover probe, end to end: Mallory books with Alice's address in
    another conversation, then asks for and erases "her" data."""
    alice, mallory, email = "takeover-alice", "takeover-mallory", "alice.victime@exemple.fr"
    assert "C'est confirmé" in book(servers, alice, email, "Alice", "Victime")
    chat(servers, alice, "je veux parler à un conseiller")
    chat(servers, alice, "06 12 34 56 78")
    assert "Victime" in stores_text(servers)

    assert "C'est confirmé" in book(servers, mallory, email, "Mallory", "Attaquant")
    shown = texts(chat(servers, mallory, "quelles données avez-vous sur moi ?"))
    assert "Attaquant" in shown
    for secret in ("Victime", "Alice", "06 12 34 56 78"):
        assert secret not in shown
    link = re.search(r"http://\S+/mes-donnees/\S+\.html\?t=\w+", shown).group(0).replace(".html?", ".json?")
    with urllib.request.urlopen(link, timeout=30) as reply:
        document = json.dumps(json.load(reply), ensure_ascii=False)
    assert "Attaquant" in document
    for secret in ("Victime", "Alice", "06 12 34 56 78", "0612345678", "+33612345678"):
        assert secret not in document

    assert "Confirmez-vous" in texts(chat(servers, mallory, "supprimez mes données"))
    assert "vos données ont été effacées" in texts(chat(servers, mallory, "oui"))
    db = Database(servers.database_url)
    with db.reader() as s:
        alices = s.execute(select(models.Booking.status).join(models.Person).where(
            models.Person.last_name == "Victime")).scalars().all()
        mallorys = s.execute(select(models.Person).where(models.Person.last_name == "Attaquant")).all()
    db.dispose()
    assert alices == ["registered"] and not mallorys
    with sqlite3.connect(servers.tracker_db) as connection:
        kept = [row[0] for row in connection.execute(
            "SELECT data FROM events WHERE sender_id = ?", (alice,))]
    assert any("Victime" in data for data in kept), "Alice's transcript must survive"
    assert "Alice" not in texts(chat(servers, mallory, "quelles données avez-vous sur moi ?"))
