"""Triage on a mixed generated day: what counts as not understood or doubtful,
previews, pagination, the conversation view and the example picker."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.app import create_app
from tests.unit.web.test_dashboard import csrf_of, log_in

NOW = datetime.now(ZoneInfo("Europe/Paris")).replace(hour=10, minute=0, second=0, microsecond=0)
DID_YOU_MEAN = ("Je ne suis pas sûr d'avoir bien compris. Vouliez-vous parler de l'un de ces sujets ? "
                "Sinon, vous pouvez reformuler votre question.")


def _ranking(*pairs):
    return {"default": {"ranking": [{"intent_response_key": f"faq/{topic}", "confidence": score}
                                    for topic, score in pairs]}}


def day_events():
    """sender -> events: a booking form (typed answers are nlu_fallback), a FAQ
    question answered by "did you mean", a FAQ answer by a small margin, a clear
    answer, a real fallback, a button click."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered

    t = NOW.timestamp()

    def user(text, intent, confidence, at, selector=None):
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
        if selector:
            parse["response_selector"] = selector
        return UserUttered(text, intent={"name": intent, "confidence": confidence}, parse_data=parse,
                           input_channel="widget", timestamp=at)

    form = [user("Bonjour", "greet", 0.99, t), ActionExecuted("action_greet", timestamp=t + 1),
            user("je veux m'inscrire à une réunion", "book_session", 0.97, t + 2),
            ActionExecuted("booking_form", timestamp=t + 3), ActiveLoop("booking_form", timestamp=t + 3),
            SlotSet("requested_slot", "first_name", timestamp=t + 3),
            BotUttered("Votre prénom ?", timestamp=t + 3)]
    for i, (slot, text) in enumerate([("first_name", "Sophie"), ("last_name", "Lemaire"),
                                      ("phone", "06 12 34 56 78"), ("booking_where", "Rouen")]):
        at = t + 10 + i * 5
        form += [user(text, "nlu_fallback", 0.2, at), ActionExecuted("booking_form", timestamp=at + 1),
                 SlotSet(slot, text, timestamp=at + 1), SlotSet("requested_slot", "x", timestamp=at + 1)]
    form += [ActiveLoop(None, timestamp=t + 40), SlotSet("requested_slot", None, timestamp=t + 40),
             ActionExecuted("action_book_session", timestamp=t + 41),
             SlotSet("first_name", None, timestamp=t + 41), SlotSet("email", None, timestamp=t + 41),
             BotUttered("C'est noté.", timestamp=t + 41)]
    did_you_mean = [
        user("Bonjour", "greet", 0.99, t + 100),
        user("est ce que je garde mon chomage", "faq", 0.78, t + 101,
             _ranking(("are_during_cape", 0.45), ("part_time_employee", 0.40))),
        ActionExecuted("action_answer_faq", timestamp=t + 102),
        BotUttered(DID_YOU_MEAN, data={"buttons": [
            {"title": "Garder un emploi à côté ?", "payload": '/ask_topic{"faq_topic":"part_time_employee"}'}]},
            metadata={"utter_action": "utter_did_you_mean"}, timestamp=t + 102),
        user('/ask_topic{"faq_topic":"part_time_employee"}', "ask_topic", 1.0, t + 103),
        ActionExecuted("action_answer_topic", timestamp=t + 104),
        SlotSet("faq_topic", "part_time_employee", timestamp=t + 104),
        BotUttered("Oui, c'est possible…", timestamp=t + 104)]
    doubtful = [user("et pour la paie ?", "faq", 0.9, t + 200, _ranking(("salary_level", 0.62), ("cape_what", 0.40))),
                ActionExecuted("action_answer_faq", timestamp=t + 201),
                BotUttered("Votre salaire…", timestamp=t + 201)]
    clear = [user("c'est quoi une CAE", "faq", 0.98, t + 300, _ranking(("what_is_cae", 0.95), ("cape_what", 0.02))),
             ActionExecuted("action_answer_faq", timestamp=t + 301), BotUttered("Une CAE…", timestamp=t + 301)]
    fallback = [user("xqzw blorf", "nlu_fallback", 0.1, t + 400),
                ActionExecuted("action_fallback_choices", timestamp=t + 401),
                BotUttered(DID_YOU_MEAN, timestamp=t + 401)]
    day = {"conv-form": form, "conv-didyoumean": did_you_mean, "conv-doubtful": doubtful,
           "conv-clear": clear, "conv-fallback": fallback}
    for i in range(120):  # plain conversations of the day, to page through
        day[f"conv-bulk-{i:03d}"] = [user(f"question {i}", "help", 0.95, t - 3000 + i),
                                     ActionExecuted("utter_help", timestamp=t - 2999 + i)]
    return day


def make_day_tracker(path) -> str:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    async def save_all():
        for sender, events in day_events().items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save_all())
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def day_url(tmp_path):
    return make_day_tracker(tmp_path / "tracker.db")


@pytest.fixture
async def dash(web_db, day_url, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    url = day_url
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=url)
    async with TestClient(TestServer(app)) as client:
        await log_in(client)
        yield client


async def listed(client, **query) -> tuple[list[str], str]:
    page = await (await client.get("/coach/conversations", params=query)).text()
    return re.findall(r'href="/coach/conversations/(conv-[\w-]+)"', page), page


async def test_triage_flags_the_real_misses_not_the_form_answers(dash):
    ids, page = await listed(dash, repli="oui")
    assert set(ids) == {"conv-didyoumean", "conv-fallback"}
    ids, _ = await listed(dash, doute="oui")
    assert set(ids) == {"conv-doubtful"}
    ids, _ = await listed(dash, repli="non", doute="non", q="CAE")
    assert ids == ["conv-clear"]
    _, page = await listed(dash)
    assert "125 conversation(s), dont 2 avec un message non compris et 1 avec une réponse douteuse" in page


async def test_list_previews_the_first_meaningful_and_last_message_and_pages(dash):
    _, page = await listed(dash, q="inscrire")
    row = page[page.index('href="/coach/conversations/conv-form"'):]
    row = row[:row.index("</tr>")]
    assert re.search(r'class="first">je veux m&#39;inscrire à une réunion<', row)
    assert re.search(r'class="last">… Rouen<', row)
    first, page = await listed(dash)
    assert len(first) == 50 and "Page 1 sur 3" in page and first[0] == "conv-fallback"
    second, page = await listed(dash, page="2")
    third, _ = await listed(dash, page="3")
    assert len(third) == 25 and not set(first) & set(second) and len(set(first + second + third)) == 125
    assert 'href="/coach/conversations?page=3" rel="next"' in page
    filtered, page = await listed(dash, canal="widget", page="2")
    assert 'href="/coach/conversations?canal=widget&amp;page=1" rel="prev"' in page
    _, page = await listed(dash)
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    assert f'href="/coach/conversations?du={today}&au={today}" id="today">Aujourd\'hui</a>' in page
    ids, _ = await listed(dash, du=today, au=today, repli="oui")
    assert set(ids) == {"conv-didyoumean", "conv-fallback"}


async def test_conversation_view_shows_topic_runner_up_actions_changed_slots_and_clicks(dash):
    page = await (await dash.get("/coach/conversations/conv-didyoumean")).text()
    assert "sujet FAQ : " in page and "(0.45) ; ensuite : Garder un emploi à côté ? (0.40)" in page
    assert "Non compris" in page
    assert "Clic sur le bouton « Garder un emploi à côté ? »" in page
    assert "Sujet FAQ = part_time_employee" in page
    form = await (await dash.get("/coach/conversations/conv-form")).text()
    assert "case " not in form and "= None" not in form
    assert form.count("Prénom = Sophie") == 1 and "Ville" not in form
    assert "réponse à un formulaire" in form
    # a slot reset to None when it was set is a change (shown once); reset of an unset slot is not
    assert form.count("(effacé)") == 1 and "E-mail = (effacé)" not in form
    doubtful = await (await dash.get("/coach/conversations/conv-doubtful")).text()
    assert "Réponse douteuse" in doubtful and "réponse : Réponse FAQ" in doubtful


async def test_example_picker_preselects_the_prediction_with_french_titles(dash, tmp_path):
    page = await (await dash.get("/coach/conversations/conv-clear")).text()
    selected = re.findall(r'<option value="([^"]+)" selected>([^<]+)</option>', page)
    assert selected == [("faq/what_is_cae", "Qu&#39;est-ce qu&#39;une CAE ?")]
    assert 'value="affirm" >Oui</option>' in page and "<script src=\"/static/coach-examples.js\"" in page
    assert "<script>" not in page
    assert "Sera écrit : « c&#39;est quoi une CAE » → " in page
    form = await (await dash.get("/coach/conversations/conv-form")).text()
    assert re.findall(r'<option value="([^"]+)" selected>', form)[:2] == ["greet", "book_session"]
    token = await csrf_of(dash, "/coach/conversations/conv-clear")
    reply = await dash.post("/coach/conversations/conv-clear/example", allow_redirects=False,
                            data={"csrf_token": token, "text": "c'est quoi une CAE", "intent": "faq/what_is_cae"})
    assert reply.status == 302
    assert "faq/what_is_cae" in (tmp_path / "training_examples.yml").read_text(encoding="utf-8")
    script = (await (await dash.get("/static/coach-examples.js")).text())
    assert "example-search" in script


async def test_list_follows_new_events_and_erasure(dash, day_url, web_db):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from bot.privacy import scrub_tracker_events
    from bot.transcripts import TrackerReader

    ids, _ = await listed(dash, repli="oui")
    assert set(ids) == {"conv-didyoumean", "conv-fallback"}
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=day_url.removeprefix("sqlite:///"))
    tracker = await store.retrieve("conv-clear")
    at = NOW.timestamp() + 600
    tracker.update(UserUttered("blabla zorglub", intent={"name": "nlu_fallback", "confidence": 0.1},
                               parse_data={"intent": {"name": "nlu_fallback", "confidence": 0.1}, "text": "x"},
                               timestamp=at))
    tracker.update(ActionExecuted("action_fallback_choices", timestamp=at + 1))
    tracker.update(BotUttered(DID_YOU_MEAN, timestamp=at + 1))
    await store.save(tracker)
    store.engine.dispose()
    ids, page = await listed(dash, repli="oui")
    assert set(ids) == {"conv-didyoumean", "conv-fallback", "conv-clear"} and "blabla zorglub" in page
    reader = TrackerReader(day_url)
    scrub_tracker_events(reader, ["conv-clear"])
    reader.dispose()
    ids, page = await listed(dash, repli="oui")
    assert "conv-clear" not in ids and "zorglub" not in page
    _, page = await listed(dash, repli="oui")
    assert "2 conversation(s), dont 2 avec un message non compris" in page
    ids, _ = await listed(dash, q="zorglub")
    assert ids == []


async def test_summaries_are_built_at_start_up_not_by_the_first_list(web_db, day_url, tmp_path, monkeypatch):
    """The app reads every conversation's events once, in a thread as it starts (and
    the person's messages once, for the search index); the first list then reads
    only the texts of the rows it shows."""
    from sqlalchemy import event

    from bot.web.dashboard import TRACKER_KEY, WARMUP_KEY

    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=day_url)
    statements: list[str] = []
    event.listen(app[TRACKER_KEY].engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    async with TestClient(TestServer(app)) as client:
        await app[WARMUP_KEY]["future"]
        # The search index (bot/search.py) reads the person's messages once too.
        index_reads = [s for s in statements if "events.data" in s and "events.type_name =" in s]
        assert len(index_reads) == 1 and "ORDER BY events.sender_id, events.id" in index_reads[0]
        full_reads = [s for s in statements if "events.data" in s and s not in index_reads]
        assert len(full_reads) == 1 and "ORDER BY events.sender_id, events.id" in full_reads[0]
        statements.clear()
        await log_in(client)
        ids, _ = await listed(client, repli="oui")
        assert set(ids) == {"conv-didyoumean", "conv-fallback"}
        full_reads = [s for s in statements if "events.data" in s]
        assert len(full_reads) == 1 and "IN (" in full_reads[0]  # the rows shown, for their texts
    assert app[WARMUP_KEY]["future"].done()
