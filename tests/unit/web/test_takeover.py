"""Live takeover routes (bot/web/dashboard/takeover.py): login, CSRF, the coach's
CAE only, one coach at a time, escaped names and messages, and the person's
messages pushed to the coach's page by server-sent events."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot import takeover
from bot.accounts import create_coach
from bot.booking.coach import cae_id_of
from tests.webapp import PASSWORD
from tests.unit.web.test_conversation_scope import as_, dash, tracker_url  # noqa: F401  (fixtures)
from tests.support import eventually
from tests.unit.web.test_dashboard import csrf_of

PAGE = "/coach/conversations/conv-rouen"


async def token(client) -> str:
    return await csrf_of(client, PAGE)


async def test_routes_need_a_login_and_the_csrf_token(dash):
    reply = await dash.get(PAGE + "/direct", allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login")
    reply = await dash.post(PAGE + "/prendre", allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login")
    await as_(dash, "rouen@cae.test")
    assert (await dash.post(PAGE + "/prendre", data={}, allow_redirects=False)).status == 403
    assert (await dash.post(PAGE + "/prendre", data={"csrf_token": "faux"}, allow_redirects=False)).status == 403
    assert takeover.holder(_db(dash), "conv-rouen") is None


def _db(client):
    from bot.web import auth

    return client.app[auth.DB_KEY]


async def test_only_a_coach_of_the_conversations_cae_takes_it_and_only_one(dash, web_db):
    await as_(dash, "paris@cae.test")
    csrf = await csrf_of(dash, "/coach/conversations/conv-paris")
    assert (await dash.post(PAGE + "/prendre", data={"csrf_token": csrf}, allow_redirects=False)).status == 404
    assert takeover.holder(web_db, "conv-rouen") is None

    create_coach(web_db, "rouen2@cae.test", PASSWORD, cae_id=cae_id_of(web_db, "coop-normandie"),
                 name="<i>Camille</i>")
    await as_(dash, "rouen2@cae.test")
    page = await (await dash.get(PAGE)).text()
    assert "Prendre la conversation" in page
    reply = await dash.post(PAGE + "/prendre", data={"csrf_token": await token(dash)}, allow_redirects=False)
    assert reply.status == 302
    page = await (await dash.get(PAGE)).text()
    assert "En direct avec &lt;i&gt;Camille&lt;/i&gt;" in page and "<i>Camille</i>" not in page
    assert 'action="/coach/conversations/conv-rouen/rendre"' in page

    await as_(dash, "rouen@cae.test")
    reply = await dash.post(PAGE + "/prendre", headers={"Accept": "application/json",
                                                        "X-CSRF-Token": await token(dash)})
    assert reply.status == 409 and "Camille" in (await reply.json())["message"]
    reply = await dash.post(PAGE + "/message", json={"text": "bonjour"},
                            headers={"Accept": "application/json", "X-CSRF-Token": await token(dash)})
    assert reply.status == 400
    assert takeover.holder(web_db, "conv-rouen").coach_name == "<i>Camille</i>"


async def test_messages_hand_back_and_the_live_stream(dash, web_db, tracker_url):
    await as_(dash, "rouen@cae.test")
    csrf = await token(dash)
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf}
    assert (await dash.post(PAGE + "/prendre", headers=headers)).status == 200
    reply = await dash.post(PAGE + "/message", json={"text": "<script>alert(1)</script> Bonjour !"}, headers=headers)
    assert reply.status == 200 and (await reply.json())["text"] == "<script>alert(1)</script> Bonjour !"
    assert (await dash.post(PAGE + "/message", json={"text": "  "}, headers=headers)).status == 400
    # The person reads the notice, then the coach's message, on their next message.
    messages, holder = takeover.on_person_message(web_db, "conv-rouen")
    assert holder is not None and [m.author for m in messages] == ["", "rouen"]

    stream = await dash.get(PAGE + "/direct")
    assert stream.status == 200 and stream.headers["Content-Type"].startswith("text/event-stream")

    async def next_event(kind):
        while True:
            block = []
            while (line := (await stream.content.readline()).decode().rstrip("\n")) != "":
                block.append(line)
            if f"event: {kind}" in block:
                return json.loads(next(b for b in block if b.startswith("data: "))[6:])

    assert await asyncio.wait_for(next_event("state"), 5) == {"holder": "rouen"}
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=tracker_url.split("///", 1)[1])
    tracker = await store.retrieve("conv-rouen")
    tracker.update(UserUttered("Merci, j'attends <b>votre</b> réponse", input_channel="rest"))
    await store.save(tracker)
    store.engine.dispose()
    item = await asyncio.wait_for(next_event("message"), 5)
    assert item["kind"] == "user" and item["author"] == "person"
    assert item["text"] == "Merci, j'attends <b>votre</b> réponse"

    reply = await dash.post(PAGE + "/rendre", headers=headers)
    assert (await reply.json()) == {"released": True}
    assert await asyncio.wait_for(next_event("state"), 5) == {"holder": None}
    stream.close()
    assert takeover.on_person_message(web_db, "conv-rouen")[0][-1].text == takeover.RELEASED_NOTICE


async def test_the_inbox_offers_to_take_a_request_and_shows_who_holds_it(dash, web_db):
    from bot.storage.models import HandoffRequest

    with web_db.session() as s:
        s.add(HandoffRequest(conversation_id="conv-rouen", reason="un conseiller svp",
                             cae_id=cae_id_of(web_db, "coop-normandie")))
    await as_(dash, "rouen@cae.test")
    page = await (await dash.get("/coach/handoffs")).text()
    assert 'action="/coach/conversations/conv-rouen/prendre"' in page
    await dash.post(PAGE + "/prendre", data={"csrf_token": await token(dash)}, allow_redirects=False)
    page = await (await dash.get("/coach/handoffs")).text()
    assert "En direct avec rouen" in page and 'action="/coach/conversations/conv-rouen/prendre"' not in page


@pytest.fixture
def fast_sweep(monkeypatch):
    from bot.web.dashboard import takeover as live

    monkeypatch.setattr(live, "SWEEP_SECONDS", 0.2)


async def test_a_forgotten_takeover_goes_back_to_the_assistant_with_a_message(fast_sweep, dash, web_db):
    from datetime import timedelta

    from sqlalchemy import func, select

    from bot.storage.models import Coach, Takeover, utcnow

    with web_db.reader() as s:
        rouen = s.execute(select(Coach.id).where(Coach.email == "rouen@cae.test")).scalar_one()
    taken_at = utcnow() - timedelta(hours=2)
    takeover.take(web_db, "conv-rouen", rouen, "rouen", now=taken_at)

    def held() -> int:
        with web_db.reader() as s:
            return s.execute(select(func.count()).select_from(Takeover)).scalar()

    await eventually(lambda: held() == 0, timeout=5, what="the web app's sweep ending the takeover nobody wrote in")
    assert [m.text for m in takeover.pending(web_db, "conv-rouen")][-1] == takeover.TIMEOUT_NOTICE
