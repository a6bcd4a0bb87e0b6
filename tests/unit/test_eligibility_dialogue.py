import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility import ActionEligibilityVerdict, ValidateEligibilityForm
from bot.eligibility.dialogue import as_flag, looks_like_correction, parse_situation, verdict_message
from tests.support import rendered_texts


@pytest.mark.parametrize("text, expected", [
    ("Bénéficiaire du RSA", "rsa"),
    ("je touche le rsa", "rsa"),
    ("au chomage depuis 3 mois", "jobseeker_are"),
    ("inscrit à france travail", "jobseeker_are"),
    ("salariée à mi-temps", "employee_part_time"),
    ("je suis en CDI à temps plein", "employee_full_time"),
    ("étudiante en master", "student"),
    ("jeune retraité", "retired"),
    ("Autre situation", "other"),
    ("bof", None),
    ("", None),
])
def test_situation_is_read_from_words_or_button_labels(text, expected):
    assert parse_situation(text) == expected


def test_flags_and_corrections():
    assert (as_flag("yes"), as_flag("no"), as_flag("unknown"), as_flag(None)) == (True, False, None, None)
    assert looks_like_correction("En fait je suis menuisier")
    assert not looks_like_correction("je suis menuisier")


def test_verdict_message_says_why_and_offers_the_next_step():
    message = verdict_message({"status": "redirect", "redirect": "batiment", "reasons": ["Il faut une décennale."]})
    assert message["text"] == "Votre projet relève plutôt d'une CAE du bâtiment.\n- Il faut une décennale."
    assert message["buttons"][0]["payload"] == '/ask_topic{"faq_topic":"specialised_caes"}'
    assert message["buttons"][1]["payload"] == "/human_handoff"


def tracker(slots, text="", intent="inform", requested="activity_description"):
    slots = {"requested_slot": requested, **slots}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    return Tracker("someone", slots, latest, [], False, None, {"name": "eligibility_form"}, "action_listen")


async def test_description_is_recognised_and_unknown_activity_skips_the_confirmation():
    form = ValidateEligibilityForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_activity_description("je suis plombière", dispatcher, tracker({}), {})
    assert result == {"activity_description": "je suis plombière", "activity_label": "plombier"}
    result = await form.validate_activity_description("zorglub", dispatcher, tracker({}), {})
    assert result["activity_confirmed"] is True and result["activity_label"] is None


async def test_dont_know_asks_for_an_example_and_a_deny_asks_again():
    form = ValidateEligibilityForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_activity_description("je sais pas", dispatcher, tracker({}, intent="dont_know"), {})
    assert result == {"activity_description": None}
    assert dispatcher.messages[-1]["response"] == "utter_describe_activity_help"
    result = await form.validate_activity_confirmed(False, dispatcher, tracker({}), {})
    assert result["activity_description"] is None and result["activity_confirmed"] is None


async def test_a_correction_later_asks_to_confirm_the_new_activity():
    form = ValidateEligibilityForm()
    dispatcher = CollectingDispatcher()
    slots = {"activity_description": "je suis plombier", "activity_confirmed": True}
    text = "en fait je suis menuisier"
    extracted = await form.extract_activity_description(
        dispatcher, tracker(slots, requested="situation", text=text, intent="check_eligibility"), {})
    assert extracted == {"activity_description": text, "activity_confirmed": None}
    assert await form.validate_activity_confirmed(None, dispatcher, tracker({}), {}) == {
        "activity_confirmed": None}


async def test_the_verdict_comes_from_the_engine_and_clears_the_form(sample_db):
    dispatcher = CollectingDispatcher()
    slots = {"activity_description": "je suis avocat", "situation": "jobseeker_are",
             "hire_staff": "no", "commercial_lease": "no", "heavy_investment": "no"}
    events = await ActionEligibilityVerdict().run(dispatcher, tracker(slots, requested=None), {})
    [text] = rendered_texts(dispatcher)
    assert text.startswith("Désolé")
    assert {"event": "slot", "timestamp": None, "name": "eligibility_status", "value": "not_eligible"} in events
    assert {"event": "slot", "timestamp": None, "name": "activity_description", "value": None} in events


@pytest.mark.parametrize("status,first,has_person", [
    ("eligible", "/book_session", False),
    ("to_review", "/book_session", True),
    ("not_eligible", "/human_handoff", True),
])
def test_next_step_buttons_follow_the_verdict(status, first, has_person):
    payloads = [b["payload"] for b in verdict_message({"status": status, "reasons": []})["buttons"]]
    assert payloads[0] == first
    assert ("/human_handoff" in payloads) is has_person
    assert "/check_eligibility" in payloads
