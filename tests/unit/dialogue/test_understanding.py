"""Understanding answers typed as sentences, corrections at the booking recap,
and starting over (dialogue level: no trained model, trackers built by hand)."""
from __future__ import annotations

from collections import Counter

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import booking as actions
from bot import settings
from bot.booking import dialogue, service
from bot.booking.texts import PARIS
from bot.channels import guard, rest
from bot.domain import load as load_domain
from bot.training_examples import known_intents
from tests.support import said
from tests.unit.dialogue.test_booking_dialogue import tracker


# -- Form answers typed as sentences ----------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("oups nadia.benali@exemple.fr", "nadia.benali@exemple.fr"),
    ("mon mail c'est Nadia.Benali@Exemple.fr merci !", "nadia.benali@exemple.fr"),
    ("c'est nadia@exemple.fr.", "nadia@exemple.fr"),
    ("nadia@exemple.fr", "nadia@exemple.fr"),
    ("a@exemple.fr ou b@exemple.fr", None),  # two addresses: which one?
    ("je n'ai pas d'e-mail", None),
])
def test_email_found_inside_a_sentence(text, expected):
    assert dialogue.clean_email(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Nadia Benali", ("Nadia", "Benali")), ("je m'appelle nadia benali", ("Nadia", "Benali")),
    ("Nadia", None), ("Jean-Pierre", None), ("Jean Pierre Martin", None), ("123", None),
])
def test_full_name_at_the_first_name_question(text, expected):
    assert dialogue.split_full_name(text) == expected


async def test_first_name_question_answered_with_both_names_fills_both():
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_first_name(
        "Nadia Benali", dispatcher, tracker(text="Nadia Benali"), {})
    assert result == {"first_name": "Nadia", "last_name": "Benali"}
    assert "Nadia comme prénom et Benali comme nom" in said(dispatcher)[0]["text"]
    # A last name already given: the answer is the first name as typed.
    result = await actions.ValidateBookingForm().validate_first_name(
        "Marie Claire", CollectingDispatcher(), tracker({"last_name": "Dupont"}), {})
    assert result == {"first_name": "Marie Claire"}


def visio(sample_db):
    sessions = service.upcoming_sessions(sample_db)
    return sessions, [s.id for s in sessions[:dialogue.MAX_OFFERED]]


@pytest.mark.parametrize("text,rank", [
    ("la 4eme", 4), ("la 4ème svp", 4), ("la deuxième", 2), ("la 2nde", 2), ("3e", 3),
    ("la 1ère", 1),
])
async def test_session_rank_typed_in_words(sample_db, text, rank):
    sessions, offered = visio(sample_db)
    assert dialogue.choose_session(text, offered, sessions) == offered[rank - 1]


async def test_session_by_its_weekday_and_hour(sample_db):
    sessions, offered = visio(sample_db)
    shown = [s for s in sessions if s.id in offered]
    weekday = Counter(s.starts_at.astimezone(PARIS).weekday() for s in shown)
    single = next(d for d, n in weekday.items() if n == 1)
    target = next(s for s in shown if s.starts_at.astimezone(PARIS).weekday() == single)
    day = dialogue.WEEKDAYS[single]
    assert dialogue.choose_session(f"celle de {day}", offered, sessions) == target.id
    hour = target.starts_at.astimezone(PARIS).hour
    assert dialogue.choose_session(f"celle de {day} {hour}h", offered, sessions) == target.id
    absent = next(d for d in range(7) if d not in weekday)
    assert dialogue.choose_session(f"celle de {dialogue.WEEKDAYS[absent]}", offered, sessions) is None


# -- Corrections at the booking recap ---------------------------------------

@pytest.mark.parametrize("text,changes", [
    ("non c'est pas bon, mon prénom c'est juste Nadia", {"first_name": "Nadia"}),
    ("non, mon nom c'est Benali", {"last_name": "Benali"}),
    ("l'e-mail est faux", {"email": None}),
    ("mon adresse c'est nadia.benali@exemple.fr", {"email": "nadia.benali@exemple.fr"}),
    ("le téléphone c'est 06 12 34 56 78", {"phone": "+33 6 12 34 56 78"}),
    ("plutôt une autre date", {"booking_session_id": None}),
    ("non", {}), ("oui", {}),
])
def test_read_correction(text, changes):
    assert dialogue.read_correction(text) == changes


def recap_slots(sample_db, **extra):
    sessions, offered = visio(sample_db)
    return {"booking_where": "partout", "booking_offered": [str(i) for i in offered],
            "booking_session_id": str(offered[0]), "booking_consent": True,
            "first_name": "Nadia Benali", "last_name": "Benali", "email": "nadia@exemple.fr",
            "phone": dialogue.NO_PHONE, "requested_slot": "booking_confirmed", **extra}


async def test_a_correction_at_the_recap_changes_that_field_and_keeps_the_rest(sample_db):
    form = actions.ValidateBookingForm()
    text = "non c'est pas bon, mon prénom c'est juste Nadia"
    dispatcher = CollectingDispatcher()
    result = await form.validate_booking_confirmed(
        False, dispatcher, tracker(recap_slots(sample_db), text=text, intent="deny"), {})
    # booking_confirmed empty again: the form shows the recap once more.
    assert result == {"first_name": "Nadia", "booking_confirmed": None}
    assert "C'est corrigé (votre prénom)" in said(dispatcher)[0]["text"]


async def test_another_session_chosen_at_the_recap(sample_db):
    sessions, offered = visio(sample_db)
    shown = [s for s in sessions if s.id in offered]
    weekday = Counter(s.starts_at.astimezone(PARIS).weekday() for s in shown)
    target = next(s for s in shown if weekday[s.starts_at.astimezone(PARIS).weekday()] == 1)
    text = f"plutôt la séance de {dialogue.WEEKDAYS[target.starts_at.astimezone(PARIS).weekday()]}"
    slots = recap_slots(sample_db)
    form = actions.ValidateBookingForm()
    # Neither yes nor no: the extraction still hands it to the validation.
    found = await form.extract_booking_confirmed(
        CollectingDispatcher(), tracker(slots, text=text, intent="faq"), {})
    assert found == {"booking_confirmed": False}
    result = await form.validate_booking_confirmed(
        False, CollectingDispatcher(), tracker(slots, text=text, intent="faq"), {})
    assert result == {"booking_session_id": str(target.id), "booking_confirmed": None}


async def test_a_wrong_field_without_its_new_value_is_asked_again(sample_db):
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_confirmed(
        False, dispatcher, tracker(recap_slots(sample_db), text="l'e-mail est faux"), {})
    assert result == {"email": None, "booking_confirmed": None}
    assert "reprenons votre e-mail" in said(dispatcher)[0]["text"]


async def test_a_plain_no_at_the_recap_asks_what_to_correct(sample_db):
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateBookingForm().validate_booking_confirmed(
        False, dispatcher, tracker(recap_slots(sample_db), text="non", intent="deny"), {})
    assert result == {"booking_confirmed": None}
    assert "Que faut-il corriger" in said(dispatcher)[0]["text"]
    assert "annuler" in said(dispatcher)[0]["text"]


async def test_yes_at_the_recap_books_and_other_questions_are_not_corrections(sample_db):
    form = actions.ValidateBookingForm()
    assert await form.validate_booking_confirmed(
        True, CollectingDispatcher(), tracker(recap_slots(sample_db), text="oui"), {}) == {
        "booking_confirmed": True}
    # Not at the recap, or a plain question: nothing extracted.
    slots = recap_slots(sample_db, requested_slot="email")
    assert await form.extract_booking_confirmed(
        CollectingDispatcher(), tracker(slots, text="l'e-mail est faux"), {}) == {}
    assert await form.extract_booking_confirmed(
        CollectingDispatcher(), tracker(recap_slots(sample_db), text="c'est quoi une CAE",
                                        intent="faq"), {}) == {}


async def test_stopping_the_booking_says_nothing_is_kept(sample_db):
    dispatcher = CollectingDispatcher()
    events = await actions.ActionStopBooking().run(dispatcher, tracker(recap_slots(sample_db)), {})
    assert "Rien n'a été enregistré" in said(dispatcher)[0]["text"]
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"first_name", "last_name", "email", "phone", "booking_session_id"} <= cleared


# -- Starting over ------------------------------------------------------------

def test_restart_is_an_intent_with_a_french_confirmation_and_typed_examples():
    domain = load_domain()
    assert "restart" in domain["intents"]
    [response] = domain["responses"]["utter_restart"]
    assert "reprend à zéro" in response["text"]
    assert "/restart" in known_intents() or "restart" in known_intents()
    nlu = yaml.safe_load((settings.ROOT / "nlu" / "core" / "nlu.yml").read_text(encoding="utf-8"))
    block = next(b for b in nlu["nlu"] if b.get("intent") == "restart")
    examples = {line[2:].strip() for line in block["examples"].splitlines() if line.strip()}
    assert {"restart", "recommencer", "on reprend à zéro"} <= examples


def test_typed_slash_restart_reaches_the_restart_intent():
    # REST passes a known intent payload as is; Rasa maps /restart to action_restart.
    assert rest.plain_unless_known_intent("/restart") == "/restart"
    # Other channels turn a typed "/restart" into the text "restart" (an NLU example).
    assert guard.checked_text("/restart", []) == ("restart", True)


# -- Coach codes typed with spaces, dashes, in lower case or in a sentence ------

@pytest.mark.parametrize("shape", [
    lambda c: c.lower(), lambda c: f"{c[:4]} {c[4:]}", lambda c: f"{c[:4]}-{c[4:]}".lower(),
    lambda c: f"mon code c'est {c[:4].lower()} {c[4:].lower()} merci",
    lambda c: f"voici le code : {c} !",
])
async def test_a_coach_code_as_people_type_it_links_the_conversation(sample_db, shape):
    from actions.curriculum import linking
    from bot import identity
    from tests.unit.dialogue.test_curriculum_actions import enrolled_person

    code = identity.create_coach_code(sample_db, enrolled_person(sample_db))
    dispatcher = CollectingDispatcher()
    result = await linking.ValidateLinkForm().validate_link_proof(
        shape(code), dispatcher, tracker(), {})
    assert result == {"link_proof": "coach_code"}, dispatcher.messages


def test_every_coach_code_has_a_digit_so_it_is_found_inside_a_sentence(sample_db):
    from bot import identity
    from tests.unit.dialogue.test_curriculum_actions import enrolled_person

    person = enrolled_person(sample_db)
    # Without the digit rule, about one code in eleven is letters only (23/31)^8.
    codes = [identity.create_coach_code(sample_db, person) for _ in range(120)]
    assert all(any(c.isdigit() for c in code) for code in codes)
