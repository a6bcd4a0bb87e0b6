"""Parsing what people type during a booking, and the booking actions on a real
SQLite database (no trained model: trackers are built by hand)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import booking as actions
from bot.booking import dialogue, links, service
from bot.booking.calendar import ics_for
from bot.booking.links import ics_url
from tests.support import said


@pytest.mark.parametrize("text,query", [
    ("Rouen", "rouen"), ("76", "76"), ("à Lyon", "lyon"), ("en visio", "visio"),
    ("à distance svp", "visio"), ("peu importe", None), ("Saint-Étienne", "saint etienne"),
    ("75011", "75011"),
])
def test_parse_where(text, query):
    assert dialogue.parse_where(text).query == query


@pytest.mark.parametrize("text", ["", "!!!", "🙂", "x" * 200])
def test_parse_where_rejects_what_is_not_a_place(text):
    assert dialogue.parse_where(text) is None


@pytest.mark.parametrize("text,expected", [
    ("06 12 34 56 78", "+33 6 12 34 56 78"), ("0612345678", "+33 6 12 34 56 78"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"), ("non merci", dialogue.NO_PHONE),
    ("+44 20 7946 0958", "+44 20 7946 0958"), ("0044 20 7946 0958", "+44 20 7946 0958"),
    ("0033 6 12 34 56 78", "+33 6 12 34 56 78"), ("12", None), ("bonjour", None),
    ("06 12 34 56", None), ("+33 0 12 34 56 78", None), ("+999 12345678", None),
])
def test_clean_phone(text, expected):
    assert dialogue.clean_phone(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("jean-pierre", "Jean-Pierre"), ("DUPONT", "Dupont"), ("Marie Claire", "Marie Claire"),
    ("je m'appelle Léa", "Léa"), ("O'Neil", "O'Neil"), ("<script>", None), ("123", None),
    ("", None), ("a" * 101, None),
])
def test_clean_name(text, expected):
    assert dialogue.clean_name(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("ma référence est RI-7K3P9Q", "RI-7K3P9Q"), ("ri 7k3p9q", "RI-7K3P9Q"),
    ("RI7K3P9Q", "RI-7K3P9Q"), ("bonjour", None), ("RI-0000OO", None),
])
def test_clean_reference(text, expected):
    assert dialogue.clean_reference(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("je veux m'inscrire à une réunion d'information à Rouen", "rouen"),
    ("une réunion en visio svp", "visio"), ("réunion d'info dans le 69", "69"),
    ("je veux m'inscrire à une réunion", None), ("inscription à Brest", None),
])
def test_where_in_sentence(text, expected):
    assert dialogue.where_in_sentence(text, ["Rouen", "Lyon", "Paris"]) == expected


def tracker(slots=None, text="", intent=None, loop=None, events=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
              "intent_ranking": []}
    return Tracker("conv-1", slots or {}, latest, events or [], False, None,
                   {"name": loop} if loop else {}, "action_listen")


async def test_where_then_sessions_as_buttons(sample_db):
    form = actions.ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_booking_where("Rouen", dispatcher, tracker(text="Rouen"), {})
    assert result == {"booking_where": "rouen"}
    events = await actions.ActionAskBookingSessionId().run(
        dispatcher, tracker({"booking_where": "rouen"}), {})
    [message] = said(dispatcher)
    assert message["text"].startswith("Voici les prochaines réunions (à Rouen). Laquelle vous convient ?")
    rouen = service.upcoming_sessions(sample_db, "rouen")
    assert [b["payload"] for b in message["buttons"]] == [dialogue.session_payload(s.id) for s in rouen]
    assert events[0]["value"] == [str(s.id) for s in rouen]


async def test_the_place_in_the_first_request_is_kept(sample_db):
    form = actions.ValidateBookingForm()
    text = "je voudrais m'inscrire à une réunion d'information à Lyon"
    found = await form.extract_booking_where(CollectingDispatcher(), tracker(text=text, intent="book_session"), {})
    assert found == {"booking_where": "lyon"}
    assert await form.validate_booking_where("lyon", CollectingDispatcher(), tracker(text=text), {}) == {
        "booking_where": "lyon"}


async def test_a_place_without_sessions_is_asked_again(sample_db):
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_where(
        "Brest", dispatcher, tracker(text="Brest"), {})
    assert result == {"booking_where": None}
    assert "pas de réunion prévue à Brest" in said(dispatcher)[0]["text"]


async def test_session_chosen_with_a_button_is_its_id(sample_db):
    sessions = service.upcoming_sessions(sample_db)
    offered = [str(s.id) for s in sessions[:dialogue.MAX_OFFERED]]
    last = offered[-1]
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_session_id(
        last, dispatcher, tracker({"booking_where": "partout", "booking_offered": offered},
                                  text=dialogue.session_payload(int(last)), intent="choose_session"), {})
    assert result == {"booking_session_id": last}


async def test_session_chosen_by_its_rank(sample_db):
    sessions = service.upcoming_sessions(sample_db, "visio")
    offered = [str(s.id) for s in sessions]
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_session_id(
        "la deuxième", dispatcher,
        tracker({"booking_where": "visio", "booking_offered": offered}, text="la deuxième"), {})
    assert result == {"booking_session_id": offered[1]}
    result = await actions.ValidateBookingForm().validate_booking_session_id(
        "mercredi prochain peut-être", dispatcher,
        tracker({"booking_where": "visio", "booking_offered": offered}), {})
    assert result == {"booking_session_id": None}
    assert "Choisissez une date" in said(dispatcher)[-1]["text"]


@pytest.mark.parametrize("slot,value,ok", [
    ("email", "lea.martin@exemple.fr", "lea.martin@exemple.fr"),
    ("email", "lea.martin@", None), ("email", "", None),
    ("phone", "06 12 34 56 78", "+33 6 12 34 56 78"), ("phone", "123", None),
    ("first_name", "léa", "Léa"), ("first_name", "🙂🙂", None),
])
async def test_person_details_are_validated(slot, value, ok):
    dispatcher = CollectingDispatcher()
    result = await getattr(actions.ValidateBookingForm(), f"validate_{slot}")(
        value, dispatcher, tracker(), {})
    assert result == {slot: ok}
    assert bool(dispatcher.messages) is (ok is None)


async def test_refusing_consent_ends_the_form_without_personal_questions(sample_db):
    form = actions.ValidateBookingForm()
    slots = await form.required_slots(
        ["booking_where", "booking_session_id", "booking_consent", "first_name", "last_name",
         "email", "phone", "booking_confirmed"],
        CollectingDispatcher(), tracker({"booking_consent": False}), {})
    assert "first_name" not in slots and "email" not in slots


def person_slots(session_id, **extra):
    return {"booking_where": "visio", "booking_session_id": str(session_id), "booking_consent": True,
            "first_name": "Léa", "last_name": "Martin", "email": "lea@exemple.fr",
            "phone": dialogue.NO_PHONE, "booking_confirmed": True, **extra}


async def test_booking_gives_a_reference_and_a_working_calendar_link(sample_db):
    session = service.upcoming_sessions(sample_db, "visio")[0]
    dispatcher = CollectingDispatcher()
    events = await actions.ActionBookSession().run(dispatcher, tracker(person_slots(session.id)), {})
    text = said(dispatcher)[0]["text"]
    reference = next(e["value"] for e in events if e["name"] == "booking_reference")
    assert reference in text and "C'est confirmé" in text
    assert ics_url(reference) in text
    assert links.manage_url(reference) in text  # the one-click page to cancel or change
    booking = service.find_booking(sample_db, reference, "lea@exemple.fr")
    assert booking.status == "registered"
    name, body = ics_for(sample_db, reference, links.link_token(reference))
    assert b"BEGIN:VEVENT" in body and reference.encode() in body
    # Personal details are not kept in the conversation's slots once booked.
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"first_name", "last_name", "email", "phone"} <= cleared


async def test_calendar_link_needs_the_right_token(sample_db):
    session = service.upcoming_sessions(sample_db, "visio")[0]
    booking = service.book(sample_db, session.id, {"first_name": "A", "last_name": "B",
                                                   "email": "ab@exemple.fr"}, consent=True)
    with pytest.raises(service.BookingError):
        ics_for(sample_db, booking.reference, "0" * 32)


async def test_a_session_that_filled_meanwhile_offers_the_waiting_list(sample_db):
    session = service.upcoming_sessions(sample_db, "rouen")[0]
    for i in range(session.capacity):
        service.book(sample_db, session.id, {"first_name": "P", "last_name": f"N{i}",
                                             "email": f"p{i}@exemple.fr"}, consent=True, notify=False)
    # The person saw it with seats left: filled while they typed.
    dispatcher = CollectingDispatcher()
    slots = person_slots(session.id, booking_where="rouen")
    action = actions.ActionBookSession()
    events = await action.run(dispatcher, tracker(slots), {})
    assert "la dernière place vient d'être prise" in said(dispatcher)[0]["text"]
    payloads = [b["payload"] for b in said(dispatcher)[0]["buttons"]]
    assert payloads[0] == '/choose_session{"session_id": "%s", "booking_waitlist": "yes"}' % session.id
    assert len(payloads) >= 2  # another date in Rouen
    assert {"name": "booking_session_id", "value": None} in [
        {"name": e["name"], "value": e["value"]} for e in events]
    # Clicking the waiting-list button books on the waiting list.
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker({**slots, "booking_waitlist": "yes"}), {})
    assert "liste d'attente (position 1)" in said(dispatcher)[0]["text"]


async def test_cancel_needs_the_matching_email(sample_db):
    session = service.upcoming_sessions(sample_db, "visio")[0]
    booking = service.book(sample_db, session.id, {"first_name": "A", "last_name": "B",
                                                   "email": "ab@exemple.fr"}, consent=True)
    form = actions.ValidateCancelBookingForm()
    dispatcher = CollectingDispatcher()
    wrong = await form.validate_email("autre@exemple.fr", dispatcher,
                                      tracker({"booking_reference": booking.reference}), {})
    assert wrong == {"email": None, "booking_reference": None}
    assert "Je ne trouve pas" in said(dispatcher)[-1]["text"]
    right = await form.validate_email("AB@exemple.fr", dispatcher,
                                      tracker({"booking_reference": booking.reference}), {})
    assert right == {"email": "ab@exemple.fr"}
    dispatcher = CollectingDispatcher()
    await actions.ActionCancelBooking().run(dispatcher, tracker(
        {"booking_reference": booking.reference, "email": "ab@exemple.fr", "cancel_confirmed": True}), {})
    assert "est annulée" in said(dispatcher)[0]["text"]
    assert service.find_booking(sample_db, booking.reference, "ab@exemple.fr").status == "cancelled"


async def test_change_date_keeps_the_reference(sample_db):
    first, second = service.upcoming_sessions(sample_db, "visio")[:2]
    booking = service.book(sample_db, first.id, {"first_name": "A", "last_name": "B",
                                                 "email": "ab@exemple.fr"}, consent=True)
    dispatcher = CollectingDispatcher()
    slots = {"booking_reference": booking.reference, "email": "ab@exemple.fr", "booking_where": "visio"}
    events = await actions.ActionAskBookingSessionId().run(
        dispatcher, tracker(slots, loop="change_booking_form"), {})
    assert str(first.id) not in events[0]["value"] and str(second.id) in events[0]["value"]
    dispatcher = CollectingDispatcher()
    await actions.ActionChangeBooking().run(dispatcher, tracker({**slots, "booking_session_id": str(second.id)}), {})
    assert "déplacée" in said(dispatcher)[0]["text"]
    moved = service.find_booking(sample_db, booking.reference, "ab@exemple.fr")
    assert moved.session.id == second.id


def test_the_sessions_offered_say_whose_and_when_all_are_full():
    dispatcher = CollectingDispatcher()
    for cae, others_only, all_full in [(None, False, False), ("oxalis", False, False), ("oxalis", True, False),
                                       (None, False, True), ("oxalis", True, True)]:
        dispatcher.utter_message(response=dialogue.offer_response(cae, others_only, all_full),
                                 where_label="à Rouen")
    texts = [m["text"] for m in said(dispatcher)]
    assert texts[0] == "Voici les prochaines réunions (à Rouen). Laquelle vous convient ?"
    assert texts[1] == "Voici les prochaines réunions de votre CAE (à Rouen). Laquelle vous convient ?"
    assert texts[2].startswith("Votre CAE n'a pas de réunion prévue (à Rouen) ; voici celles d'autres CAE.")
    assert texts[3].endswith("Elles sont toutes complètes : vous pouvez vous inscrire sur liste d'attente.")
    assert texts[4].startswith("Votre CAE n'a pas") and "toutes complètes" in texts[4]


async def test_a_part_of_the_day_no_offered_session_fits_is_said_so(sample_db):
    """"plutôt en fin de journée" when every offered session starts earlier: the
    answer names the part of the day instead of the generic re-ask."""
    from bot.dates import PARIS

    sessions = service.upcoming_sessions(sample_db)
    early = [str(s.id) for s in sessions if s.starts_at.astimezone(PARIS).hour < 17][:3]
    assert early
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_session_id(
        "plutôt en fin de journée", dispatcher,
        tracker({"booking_where": "partout", "booking_offered": early}, text="plutôt en fin de journée"), {})
    assert result == {"booking_session_id": None}
    [message] = said(dispatcher)
    assert message["text"].startswith("Aucune des réunions proposées n'a lieu en fin de journée.")
    assert dialogue.part_of_day_named("le matin ou l'après-midi") is None
    assert dialogue.part_of_day_named("mercredi après-midi") == "l'après-midi"
