"""Handoff with context (issue 25, item 6): the coach gets the person's last
question and what was understood; a person whose record holds a contact is
offered to use it; the follow-up buttons fit who the person is."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.handoff as handoff_actions
from actions.handoff import ActionAskHandoffContact, ActionHandoffRequest, ValidateHandoffForm
from bot.booking import service
from bot.handoff import KNOWN_CONTACT, context_lines, conversation_context, last_question
from bot.storage.models import HandoffRequest, InfoSession
from tests.support import rendered_buttons, rendered_texts


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"}


def loop(name):
    return {"event": "active_loop", "name": name}


def requested(slot):
    return {"event": "slot", "name": "requested_slot", "value": slot}


def tracker(slots, events, sender="conv-context"):
    return Tracker(sender, slots, {"text": events[-1]["text"] if events else ""}, events, False,
                   None, {}, "action_listen")


CASH_CALC = [
    user("combien de trésorerie il me faut pour démarrer ?", "faq"),
    user("calculer mon besoin de trésorerie", "cash_need_calc"), loop("cash_need_form"), requested("cash_inflows"),
    user("1000;1200;1400", "nlu_fallback"), requested("cash_outflows"),
    user("oui", "affirm"),
    user("je veux parler à un conseiller", "human_handoff"),
]


def test_the_question_is_the_last_one_asked_not_a_form_answer():
    assert last_question(CASH_CALC) == "calculer mon besoin de trésorerie"
    # A FAQ question asked in the middle of a form is a question.
    events = CASH_CALC[:5] + [user("et la TVA ça marche comment ?", "faq")] + CASH_CALC[5:]
    assert last_question(events) == "et la TVA ça marche comment ?"
    # Buttons, greetings and yes/no are not questions; nothing asked gives "".
    assert last_question([user("bonjour", "greet"), user('/ask_topic{"faq_topic":"vat"}', "ask_topic"),
                          user("parler à quelqu'un", "human_handoff")]) == ""
    # Only what came before the (latest) request counts.
    assert last_question([user("c'est quoi un CAPE ?", "faq"), user("un humain svp", "human_handoff"),
                          user("non", "deny")]) == "c'est quoi un CAPE ?"


def test_what_was_understood_is_said_in_french():
    events = [user("je suis community manager pour des médecins, c possible ?", "check_eligibility"),
              loop("eligibility_form"), requested("situation"), user("au chômage", "inform"),
              user("je préfère parler à quelqu'un", "human_handoff"), loop(None), loop("handoff_form")]
    slots = {"activity_label": "votre activité, chargé de communication ; vos clients, médecins",
             "situation": "jobseeker_are", "faq_topic": "cape_what", "booking_session_id": "3"}
    context = conversation_context(slots, events, person_name="Nadia Benali")
    assert context == {
        "question": "je suis community manager pour des médecins, c possible ?", "topic": "cape_what",
        "activity": "votre activité, chargé de communication ; vos clients, médecins",
        "situation": "jobseeker_are", "booking": "in_progress", "interrupted": "eligibility_form",
        "person": "Nadia Benali"}
    assert context_lines(json.dumps(context)) == [
        "Personne reliée : Nadia Benali",
        "Dernier sujet : Qu'est-ce que le CAPE ?",
        "Projet : votre activité, chargé de communication ; vos clients, médecins",
        "Situation : Demandeur d'emploi (ARE)",
        "Inscription à une réunion en cours, pas terminée",
        "A demandé une personne pendant la vérification de son projet",
    ]
    verdict = context_lines({"activity": "plombier", "eligibility": "redirect",
                             "booking": "booked", "booking_reference": "R-12"})
    assert verdict == ["Projet : plombier — verdict : Réorientée",
                       "Inscrit à une réunion d'information (réf. R-12)"]
    assert context_lines(None) == [] and context_lines("pas du json") == []


async def test_an_anonymous_visitor_gets_the_context_stored_and_the_booking_button(sample_db):
    events = CASH_CALC + [loop("handoff_form"), requested("handoff_contact"), user("non", "deny")]
    dispatcher = CollectingDispatcher()
    slots = {"handoff_contact": "none", "faq_topic": "cash_in_cae"}
    await ActionHandoffRequest().run(dispatcher, tracker(slots, events), {})
    with sample_db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
    assert row.reason == "calculer mon besoin de trésorerie"
    assert json.loads(row.context) == {"question": "calculer mon besoin de trésorerie",
                                       "topic": "cash_in_cae", "interrupted": "cash_need_form"}
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/book_session"]


def book_in_chat(db, conversation_id):
    with db.reader() as s:
        session_id = s.execute(select(InfoSession.id)).scalars().first()
    return service.book(db, session_id, {"first_name": "Nadia", "last_name": "Benali",
                                         "email": "nadia.benali@exemple.fr"}, consent=True,
                        conversation_id=conversation_id, notify=False)


async def test_a_person_who_booked_is_offered_the_address_they_gave(sample_db, monkeypatch):
    # Within coop-paris's hours (a Tuesday, 10:00 in Paris): today's flow.
    monkeypatch.setattr(handoff_actions, "now_utc", lambda: datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc))
    booking = book_in_chat(sample_db, "conv-booked")
    ask = CollectingDispatcher()
    await ActionAskHandoffContact().run(ask, tracker({"cae": "coop-paris"}, [], sender="conv-booked"), {})
    assert "n***@e***.fr" in rendered_texts(ask)[0] and "nadia.benali" not in rendered_texts(ask)[0]
    assert [b["payload"] for b in rendered_buttons(ask)[0]] == ["oui", "non"]
    assert rendered_buttons(ask)[0][0]["title"] == "Oui, à cette adresse"
    slot = await ValidateHandoffForm().validate_handoff_contact(
        "oui", CollectingDispatcher(), tracker({}, [], sender="conv-booked"), {})
    assert slot == {"handoff_contact": KNOWN_CONTACT}
    events = [user("je peux venir avec mon associé ?", "faq"), user("un conseiller svp", "human_handoff"),
              user("oui", "affirm")]
    done = CollectingDispatcher()
    slots = {"handoff_contact": KNOWN_CONTACT, "booking_reference": booking.reference, "cae": "coop-paris"}
    await ActionHandoffRequest().run(done, tracker(slots, events, sender="conv-booked"), {})
    with sample_db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
    assert (row.email, row.name, row.reason) == ("nadia.benali@exemple.fr", "Nadia Benali",
                                                 "je peux venir avec mon associé ?")
    assert row.consent_at is not None
    assert "Inscrit à une réunion d'information" in " ".join(context_lines(row.context))
    assert "Personne reliée : Nadia Benali" in context_lines(row.context)
    # Already booked: no "book a session" button.
    assert [b["payload"] for b in done.messages[0]["buttons"]] == ["/change_booking"]


async def test_without_a_record_oui_is_not_a_contact(sample_db):
    dispatcher = CollectingDispatcher()
    ask = CollectingDispatcher()
    await ActionAskHandoffContact().run(ask, tracker({}, [], sender="conv-unknown"), {})
    # Network mode: no hours known, no time promised; an answer in the chat is offered.
    assert "Je ne connais pas ses horaires" in rendered_texts(ask)[0]
    assert [b["payload"] for b in rendered_buttons(ask)[-1]] == ["ici", "non"]
    slot = await ValidateHandoffForm().validate_handoff_contact(
        "oui", dispatcher, tracker({}, [], sender="conv-unknown"), {})
    assert slot == {"handoff_contact": None} and "pas reconnu" in rendered_texts(dispatcher)[0]
