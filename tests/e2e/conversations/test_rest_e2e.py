"""End to end: the real action server and Rasa server, spoken to over HTTP."""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from tests.support import chat, post

pytestmark = [pytest.mark.model, pytest.mark.servers]


def test_bonjour_gets_the_french_welcome(servers):
    replies = chat(servers, "e2e-bonjour", "bonjour")
    text = " ".join(r["text"] for r in replies)
    assert text.startswith("Bonjour")
    assert "Coopératives d'Activité et d'Emploi" in text
    assert "réunion d'information" in text


def test_conversation_is_kept_in_the_sqlite_tracker_store(servers):
    chat(servers, "e2e-persist", "salut")
    chat(servers, "e2e-persist", "merci")
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, intent_name FROM events WHERE sender_id = ?", ("e2e-persist",)
        ).fetchall()
    intents = [intent for kind, intent in rows if kind == "user"]
    assert intents == ["greet", "thank"]


def test_rasa_http_api_needs_the_token(servers):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{servers.rasa_url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(servers.api_url("/conversations/e2e-bonjour/tracker"), timeout=10) as reply:
        assert json.load(reply)["sender_id"] == "e2e-bonjour"


@pytest.mark.parametrize(
    "message",
    ["", "   ", "😀👍🎉", "<script>alert(1)</script>", "'; DROP TABLE events; --"],
    ids=["empty", "blank", "emoji", "html", "sql"],
)
def test_bad_input_gets_a_polite_french_answer(servers, message):
    replies = chat(servers, "e2e-bad-input", message)
    assert replies, "the assistant must always answer"
    assert all(r.get("text") for r in replies)
    # The conversation goes on normally afterwards.
    assert chat(servers, "e2e-bad-input", "bonjour")[0]["text"].startswith("Bonjour")


def test_huge_message_is_refused_in_french_and_the_conversation_goes_on(servers):
    status, body = post(servers.rest_webhook, {"sender": "e2e-huge", "message": "bonjour " * 2000})
    assert status == 400 and "trop long" in body["message"]
    assert chat(servers, "e2e-huge", "bonjour")[0]["text"].startswith("Bonjour")
