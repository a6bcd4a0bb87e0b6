"""End to end with the real Rasa server, action server and web app, over REST:
a coach takes the conversation over from the dashboard → the assistant stays
silent, the person reads who is there and the coach's message → the coach hands
back → the assistant answers again. The transcript shows who wrote what."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest

from bot.accounts import create_coach
from bot.storage.db import Database
from tests.support import chat, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]

EMAIL, PASSWORD = "direct@cae.test", "un mot de passe solide"


def dashboard(servers, path: str, body: dict | None = None) -> tuple[int, object]:
    auth = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"{servers.web_url}{path}", data=json.dumps(body or {}).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Basic {auth}", "Accept": "application/json",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            raw = reply.read().decode()
            return reply.status, json.loads(raw) if reply.headers.get_content_type() == "application/json" else raw
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(scope="module")
def admin(servers):
    db = Database(servers.database_url)
    try:
        create_coach(db, EMAIL, PASSWORD, role="admin", name="Nadia Benali")
    finally:
        db.dispose()


def test_take_over_silences_the_bot_then_hand_back(servers, admin):
    cid = "e2e-takeover"
    page = f"/coach/conversations/{cid}"
    assert "Bonjour" in texts(chat(servers, cid, "bonjour"))
    assert dashboard(servers, page + "/prendre", {}) == (200, {"holder": "Nadia Benali"})

    # The bot is silent; the person reads that Nadia is there.
    replies = chat(servers, cid, "c'est quoi une CAE ?")
    assert len(replies) == 1 and "Nadia Benali" in replies[0]["text"] and "prend le relais" in replies[0]["text"]
    assert chat(servers, cid, "vous êtes là ?") == []

    status, sent = dashboard(servers, page + "/message", {"text": "Oui, je suis là : <b>que</b> puis-je faire ?"})
    assert status == 200
    assert texts(chat(servers, cid, "merci")) == "Nadia Benali : Oui, je suis là : <b>que</b> puis-je faire ?"

    assert dashboard(servers, page + "/rendre", {}) == (200, {"released": True})
    replies = chat(servers, cid, "bonjour")
    assert replies[0]["text"].startswith("L'assistant automatique reprend la conversation")
    assert "Bonjour" in texts(replies[1:])  # the assistant answers again

    # The transcript: the person's messages kept, the coach named, her text escaped.
    status, html = dashboard(servers, page)
    assert status == 200
    assert "vous êtes là ?" in html
    assert '<span class="author">Nadia Benali</span>' in html
    assert "&lt;b&gt;que&lt;/b&gt;" in html and "<b>que</b>" not in html


def test_on_telegram_the_coach_messages_arrive_at_once(servers, admin, channel_stubs):
    from bot.channels.limits import pseudonym
    from tests.e2e.channels.test_telegram import send, sent_messages, text_update

    chat_id = 55501234
    cid = pseudonym("telegram", chat_id)
    assert send(servers, text_update(chat_id, "bonjour"))[0] == 200
    mark = len(channel_stubs.calls)
    # No message from the person in between: each reaches the chat when sent.
    assert dashboard(servers, f"/coach/conversations/{cid}/prendre", {})[0] == 200
    assert dashboard(servers, f"/coach/conversations/{cid}/message", {"text": "Bonjour <Camille> & *co* !"})[0] == 200
    calls = sent_messages(channel_stubs, mark, chat_id)
    assert calls[0].params["text"].startswith("Nadia Benali, conseiller·ère de la CAE, prend le relais")
    assert [c.params["text"] for c in calls[1:]] == ["Nadia Benali : Bonjour <Camille> & *co* !"]
    assert all("parse_mode" not in c.params for c in calls)  # plain text
    # The person writes: no bot answer, and nothing sent twice.
    mark = len(channel_stubs.calls)
    assert send(servers, text_update(chat_id, "vous êtes là ?"))[0] == 200
    assert sent_messages(channel_stubs, mark, chat_id) == []
    # A failed send waits and goes once, with the person's next message.
    channel_stubs.failing = True
    try:
        assert dashboard(servers, f"/coach/conversations/{cid}/message", {"text": "Un instant."})[0] == 200
    finally:
        channel_stubs.failing = False
    mark = len(channel_stubs.calls)
    assert send(servers, text_update(chat_id, "d'accord"))[0] == 200
    assert [c.params["text"] for c in sent_messages(channel_stubs, mark, chat_id)] == ["Nadia Benali : Un instant."]
    mark = len(channel_stubs.calls)
    assert dashboard(servers, f"/coach/conversations/{cid}/rendre", {})[0] == 200
    [back] = sent_messages(channel_stubs, mark, chat_id)
    assert back.params["text"].startswith("L'assistant automatique reprend la conversation")
    mark = len(channel_stubs.calls)
    assert send(servers, text_update(chat_id, "bonjour"))[0] == 200
    assert sent_messages(channel_stubs, mark, chat_id)[0].params["text"].startswith("Bonjour")
    # The transcript has every message sent, once, with who wrote it.
    status, html = dashboard(servers, f"/coach/conversations/{cid}")
    assert status == 200 and html.count("Bonjour &lt;Camille&gt; &amp; *co* !") == 1
    assert html.count("Un instant.") == 1


def test_on_whatsapp_the_coach_messages_arrive_at_once(servers, admin, channel_stubs):
    from bot.channels.limits import pseudonym
    from tests.e2e.channels.test_whatsapp import bodies, send, twilio_form

    number = "whatsapp:+33698765432"
    cid = pseudonym("whatsapp", number)
    assert send(servers, twilio_form(number, "bonjour"))[0] == 204
    mark = len(channel_stubs.calls)
    assert dashboard(servers, f"/coach/conversations/{cid}/prendre", {})[0] == 200
    assert dashboard(servers, f"/coach/conversations/{cid}/message", {"text": "Bonjour, *Camille* <3"})[0] == 200
    sent = bodies(channel_stubs, mark, number)
    assert "prend le relais" in sent[0] and sent[1:] == ["Nadia Benali : Bonjour, *Camille* <3"]
    assert dashboard(servers, f"/coach/conversations/{cid}/rendre", {})[0] == 200


def test_in_the_widget_the_coach_messages_arrive_at_once(servers, admin):
    import asyncio

    import socketio

    async def scenario():
        client = socketio.AsyncClient()
        said: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: said.put_nowait(data))
        client.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await client.connect(servers.rasa_url, headers={"Origin": servers.web_url}, transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": None})
            session = await asyncio.wait_for(confirmed.get(), 20)
            session = session.get("session_id") if isinstance(session, dict) else session
            await client.emit("user_uttered", {"session_id": session, "message": "bonjour"})
            assert (await asyncio.wait_for(said.get(), 60))["text"].startswith("Bonjour")
            while not said.empty():
                said.get_nowait()
            page = f"/coach/conversations/{session}"
            assert (await asyncio.to_thread(dashboard, servers, page + "/prendre", {}))[0] == 200
            notice = await asyncio.wait_for(said.get(), 20)
            assert "Nadia Benali" in notice["text"] and "prend le relais" in notice["text"]
            assert (await asyncio.to_thread(dashboard, servers, page + "/message", {"text": "Je regarde."}))[0] == 200
            assert (await asyncio.wait_for(said.get(), 20))["text"] == "Nadia Benali : Je regarde."
            assert (await asyncio.to_thread(dashboard, servers, page + "/rendre", {}))[0] == 200
            assert (await asyncio.wait_for(said.get(), 20))["text"].startswith("L'assistant automatique reprend")
        finally:
            # The polling client's own disconnect waits for its long poll (30 s).
            await client.eio.disconnect(abort=True)

    asyncio.run(scenario())


def test_a_request_about_ones_data_gets_the_usual_flow_during_a_takeover(servers, admin):
    cid = "e2e-takeover-data"
    assert "Bonjour" in texts(chat(servers, cid, "bonjour"))
    assert dashboard(servers, f"/coach/conversations/{cid}/prendre", {})[0] == 200
    assert "prend le relais" in texts(chat(servers, cid, "bonjour"))
    usual = texts(chat(servers, "e2e-takeover-data-ref", "/erase_my_data"))
    assert usual and texts(chat(servers, cid, "/erase_my_data")) == usual
    assert chat(servers, cid, "/stop") != []  # the form's turns too
    assert chat(servers, cid, "et maintenant ?") == []  # then silent again
    assert dashboard(servers, f"/coach/conversations/{cid}/rendre", {})[0] == 200
