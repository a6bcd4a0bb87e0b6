"""Talking to a person when nobody is there (issue 22, item 2): outside the
CAE's hours the request says when someone will reply and offers an answer in
the chat; within them, today's flow; without hours (network mode, a profile
without hours) no time is promised. A new request is e-mailed once to each of
the CAE's coaches' addresses, without the person's contact details."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.handoff as handoff_actions
from actions.handoff import ActionAskHandoffContact, ActionHandoffRequest, ValidateHandoffForm
from bot import handoff_notices
from bot.accounts import create_coach
from bot.dates import format_moment
from bot.handoff import REPLY_HERE, context_lines
from bot.handoff_notices import announce
from bot.storage.models import ROLE_ADMIN, Cae, HandoffRequest
from tests.support import rendered_buttons, rendered_texts

# coop-lyon: Tuesday to Friday 10:00-13:00 and 14:00-18:00, Saturday 10:00-13:00.
SUNDAY_AFTERNOON = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)  # 16:00 in Paris
TUESDAY_MORNING = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)  # 10:30 in Paris
LYON_REOPENS = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Paris


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"}


def tracker(slots, events=(), sender="conv-hours"):
    events = list(events)
    return Tracker(sender, slots, {"text": events[-1]["text"] if events else ""}, events, False,
                   None, {}, "action_listen")


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment):
        monkeypatch.setattr(handoff_actions, "now_utc", lambda: moment)
    return set_to


QUESTION = [user("puis-je facturer <b>des clients</b> à l'étranger ?", "faq"),
            user("je veux parler à un conseiller", "human_handoff")]


async def ask_and_answer(slots, answer):
    """The form's question, the typed answer validated, the request made: the three dispatchers."""
    asked, validated, done = CollectingDispatcher(), CollectingDispatcher(), CollectingDispatcher()
    await ActionAskHandoffContact().run(asked, tracker(slots, QUESTION), {})
    slot = await ValidateHandoffForm().validate_handoff_contact(answer, validated, tracker(slots, QUESTION), {})
    await ActionHandoffRequest().run(done, tracker({**slots, **slot}, QUESTION + [user(answer, "inform")]), {})
    return person_reads(asked), slot, person_reads(done)


def person_reads(dispatcher) -> list[dict]:
    """What the person reads of one action's messages, as one message: the texts
    filled from the domain's responses, then every button."""
    return [{"text": " ".join(rendered_texts(dispatcher)),
             "buttons": [b for buttons in rendered_buttons(dispatcher) for b in buttons],
             "responses": [m.get("response") for m in dispatcher.messages]}]


def stored(db) -> HandoffRequest:
    with db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
        s.expunge(row)
    return row


def outbox(tmp_path) -> list:
    folder = tmp_path / "outbox"
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))] \
        if folder.exists() else []


async def test_outside_hours_says_when_and_answers_here(sample_db, clock):
    clock(SUNDAY_AFTERNOON)
    asked, slot, done = await ask_and_answer({"cae": "coop-lyon"}, "Répondez-moi ici")
    assert asked[0]["text"].startswith(
        "Nous sommes fermés pour le moment : un conseiller vous répondra mardi à partir de 10 h.")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["ici", "non"]
    assert slot == {"handoff_contact": REPLY_HERE}
    assert "ici, dans cette conversation, mardi à partir de 10 h" in done[0]["text"]
    row = stored(sample_db)
    assert row.email is None and row.phone is None and row.consent_at is None
    context = json.loads(row.context)
    assert context["reply"] == REPLY_HERE and context["outside_hours"] == "yes"
    assert datetime.fromisoformat(context["reply_from"]) == LYON_REOPENS
    lines = context_lines(row.context)
    assert "Souhaite une réponse ici, dans la conversation (prenez-la pour lui écrire)" in lines
    assert ("Demande faite en dehors des horaires : réponse annoncée pour le mardi 8 décembre 2026 à 10 h"
            in lines)


@pytest.mark.parametrize("typed", ["ici", "ici svp", "dans le chat", "répondez moi ici !"])
async def test_the_here_button_also_works_typed(sample_db, clock, typed):
    clock(SUNDAY_AFTERNOON)
    slot = await ValidateHandoffForm().validate_handoff_contact(
        typed, CollectingDispatcher(), tracker({"cae": "coop-lyon"}), {})
    assert slot == {"handoff_contact": REPLY_HERE}


async def test_outside_hours_with_a_phone_says_when_it_will_call(sample_db, clock):
    clock(SUNDAY_AFTERNOON)
    _, _, done = await ask_and_answer({"cae": "coop-lyon"}, "06 12 34 56 78")
    assert done[0]["text"].startswith(
        "C'est transmis : un chargé d'accompagnement de la CAE vous recontactera mardi à partir de 10 h.")
    row = stored(sample_db)
    assert row.phone == "+33 6 12 34 56 78" and row.consent_at is not None


async def test_an_unrecognised_answer_outside_hours_mentions_here(sample_db, clock):
    clock(SUNDAY_AFTERNOON)
    said = CollectingDispatcher()
    assert await ValidateHandoffForm().validate_handoff_contact(
        "je sais pas", said, tracker({"cae": "coop-lyon"}), {}) == {"handoff_contact": None}
    assert "« ici » pour une réponse dans cette conversation" in person_reads(said)[0]["text"]


async def test_within_hours_keeps_todays_flow(sample_db, clock):
    clock(TUESDAY_MORNING)
    asked, _, done = await ask_and_answer({"cae": "coop-lyon"}, "lea@exemple.fr")
    assert asked[0]["responses"] == ["utter_ask_handoff_contact"]
    assert done[0]["text"].startswith("C'est transmis : un chargé d'accompagnement de la CAE va lire notre échange")
    assert "à partir de" not in done[0]["text"]
    context = json.loads(stored(sample_db).context)
    assert "outside_hours" not in context and "reply_from" not in context


@pytest.mark.parametrize("slots", [{}, {"cae": "coop-batir-rhone"}], ids=["network", "profile-without-hours"])
async def test_without_hours_no_time_is_promised(sample_db, clock, slots):
    clock(SUNDAY_AFTERNOON)
    asked, _, done = await ask_and_answer(slots, "ici")
    assert "Je ne connais pas ses horaires : je ne peux pas vous dire quand elle vous répondra." in asked[0]["text"]
    assert "je ne peux pas vous dire quand" in done[0]["text"] and "à partir de" not in done[0]["text"]
    assert "outside_hours" not in json.loads(stored(sample_db).context)


async def test_a_new_request_emails_each_coach_address_once_without_the_contact(sample_db, clock, tmp_path):
    clock(SUNDAY_AFTERNOON)
    with sample_db.reader() as s:
        caes = dict(s.execute(select(Cae.slug, Cae.id)).all())
    create_coach(sample_db, "Camille@Coop-Lyon.example.org", "mot-de-passe-1", cae_id=caes["coop-lyon"])
    create_coach(sample_db, "equipe@coop-lyon.example.org", "mot-de-passe-1", cae_id=caes["coop-lyon"])  # = profile
    create_coach(sample_db, "paris@coop-paris.example.org", "mot-de-passe-1", cae_id=caes["coop-paris"])
    create_coach(sample_db, "admin@reseau.example.org", "mot-de-passe-1", role=ROLE_ADMIN)
    await ask_and_answer({"cae": "coop-lyon"}, "lea.martin@exemple.fr, plutôt le matin")
    row = stored(sample_db)
    assert row.email == "lea.martin@exemple.fr"
    mails = outbox(tmp_path)
    assert sorted(m["To"] for m in mails) == ["camille@coop-lyon.example.org", "equipe@coop-lyon.example.org"]
    for mail in mails:
        assert "Coopérative d'activité Lyon" in mail["Subject"]
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        for body in (text, html):
            assert "lea.martin" not in body and "plutôt le matin" not in body
        assert f"/coach/handoffs#demande-{row.id}" in text and f"/coach/handoffs#demande-{row.id}" in html
        assert f"le {format_moment(row.created_at)}" in text
        assert "« puis-je facturer <b>des clients</b> à l'étranger ? »" in text
        assert "&lt;b&gt;des clients&lt;/b&gt;" in html and "<b>des clients</b>" not in html
        assert "Demande faite en dehors des horaires" in text


async def test_a_request_of_no_cae_goes_to_the_admins(sample_db, tmp_path):
    create_coach(sample_db, "admin@reseau.example.org", "mot-de-passe-1", role=ROLE_ADMIN)
    create_coach(sample_db, "coach@coop-paris.example.org", "mot-de-passe-1", cae_id=1)
    await ActionHandoffRequest().run(CollectingDispatcher(), tracker({"handoff_contact": "non"}, QUESTION), {})
    assert [m["To"] for m in outbox(tmp_path)] == ["admin@reseau.example.org"]


async def test_a_mail_failure_keeps_the_request_and_the_conversation(sample_db, clock, tmp_path, monkeypatch, caplog):
    class Broken:
        def send(self, message):
            raise OSError("SMTP down")

    clock(SUNDAY_AFTERNOON)
    monkeypatch.setattr(handoff_notices, "mailer_from_env", lambda: Broken())
    _, _, done = await ask_and_answer({"cae": "coop-lyon"}, "non")
    assert done[0]["text"].startswith("C'est transmis")
    assert stored(sample_db).status == "open"
    assert "could not e-mail handoff request" in caplog.text
    assert announce(sample_db, 999999) == 0  # no such request: nothing, no error


@pytest.mark.parametrize("moment, slots, said", [
    (SUNDAY_AFTERNOON, {"cae": "coop-lyon"},
     "Horaires de Coopérative d'activité Lyon : du mardi au vendredi de 10 h à 13 h et de 14 h à 18 h ; "
     "le samedi de 10 h à 13 h ; fermé les jours fériés ; fermé du 24 décembre 2026 au 2 janvier 2027 "
     "(fêtes de fin d'année). C'est fermé en ce moment : réouverture mardi à partir de 10 h."),
    (TUESDAY_MORNING, {"cae": "coop-lyon"}, "C'est ouvert en ce moment."),
    (SUNDAY_AFTERNOON, {}, None), (SUNDAY_AFTERNOON, {"cae": "coop-batir-rhone"}, None),
])
async def test_what_are_your_hours(sample_db, clock, moment, slots, said):
    from actions.caes import ActionCaeHours

    clock(moment)
    dispatcher = CollectingDispatcher()
    await ActionCaeHours().run(dispatcher, tracker(slots, [user("quels sont vos horaires ?", "cae_hours")]), {})
    [message] = dispatcher.messages
    if said is None:
        assert message["response"] == "utter_cae_hours_unknown"
        return
    [filled] = rendered_texts(dispatcher)
    assert filled == said if said.startswith("Horaires") else filled.endswith(said)


async def test_outside_hours_a_person_with_a_record_is_offered_it_and_here(sample_db, clock):
    from tests.unit.dialogue.test_handoff_context import book_in_chat

    clock(SUNDAY_AFTERNOON)
    book_in_chat(sample_db, "conv-hours")
    asked = CollectingDispatcher()
    await ActionAskHandoffContact().run(asked, tracker({"cae": "coop-lyon"}), {})
    [message] = person_reads(asked)
    assert message["text"].startswith("Nous sommes fermés pour le moment : un conseiller vous répondra mardi")
    assert "à cette adresse, que vous nous avez déjà donnée : n***@e***.fr" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["oui", "ici", "non"]


async def test_asked_again_the_closed_notice_is_not_repeated(sample_db, clock):
    """After "je sais pas", the question comes back without "Nous sommes fermés…"
    a second time; a new request later in the conversation says it again."""
    clock(SUNDAY_AFTERNOON)
    first = CollectingDispatcher()
    await ActionAskHandoffContact().run(first, tracker({"cae": "coop-lyon"}, QUESTION), {})
    assert [m["response"] for m in first.messages] == ["utter_handoff_closed_until", "utter_ask_handoff_contact_closed"]
    said = [{"event": "bot", "text": t, "metadata": {"utter_action": m["response"]}}
            for t, m in zip(rendered_texts(first), first.messages)]
    again = CollectingDispatcher()
    await ActionAskHandoffContact().run(again, tracker({"cae": "coop-lyon"}, QUESTION + said + [
        user("je sais pas", "dont_know")]), {})
    assert [m["response"] for m in again.messages] == ["utter_ask_handoff_contact_closed"]
    later = CollectingDispatcher()
    await ActionAskHandoffContact().run(later, tracker({"cae": "coop-lyon"}, QUESTION + said + [
        user("je sais pas", "dont_know"), user("je veux parler à un conseiller", "human_handoff")]), {})
    assert [m["response"] for m in later.messages][0] == "utter_handoff_closed_until"
