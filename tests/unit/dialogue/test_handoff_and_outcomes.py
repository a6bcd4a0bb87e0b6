"""Handoff requests and eligibility outcomes land in the database, with
personal details only when the person gave them."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.eligibility import ActionEligibilityVerdict
from actions.handoff import ActionHandoffRequest, ValidateHandoffForm
from bot.handoff import parse_contact
from bot.storage.models import EligibilityOutcome, HandoffRequest
from tests.support import rendered_texts


@pytest.mark.parametrize("text,expected", [
    ("non", {}), ("je préfère rester anonyme", {}), ("Lea@Exemple.fr", {"email": "lea@exemple.fr"}),
    ("06 12 34 56 78", {"phone": "+33 6 12 34 56 78"}), ("demain", None), ("lea@", None),
])
def test_parse_contact(text, expected):
    assert parse_contact(text) == expected


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
            "input_channel": "rest"}


def tracker(slots, events, sender="conv-handoff"):
    return Tracker(sender, slots, {"text": events[-1]["text"] if events else ""}, events, False,
                   None, {}, "action_listen")


async def test_handoff_without_contact_keeps_no_personal_data(sample_db):
    events = [user("et pour les droits au chômage en cas de maladie ?", "faq"),
              user("je veux parler à un conseiller", "human_handoff"), user("non", "deny")]
    dispatcher = CollectingDispatcher()
    await ActionHandoffRequest().run(dispatcher, tracker({"handoff_contact": "none"}, events), {})
    assert "ne pourra pas vous recontacter" in rendered_texts(dispatcher)[0]
    with sample_db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
    assert row.conversation_id == "conv-handoff" and row.status == "open"
    assert row.reason == "et pour les droits au chômage en cas de maladie ?"
    assert row.email is None and row.phone is None and row.consent_at is None


async def test_handoff_with_an_email_records_consent(sample_db):
    form = ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_handoff_contact("pas sûr", dispatcher, tracker({}, []), {}) == {
        "handoff_contact": None}
    assert "Rester anonyme" not in rendered_texts(dispatcher)[0]
    slot = await form.validate_handoff_contact("lea@exemple.fr", dispatcher, tracker({}, []), {})
    events = [user("je veux parler à quelqu'un", "human_handoff"), user("lea@exemple.fr", "nlu_fallback")]
    await ActionHandoffRequest().run(CollectingDispatcher(), tracker(slot, events), {})
    with sample_db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
    assert row.email == "lea@exemple.fr" and row.consent_at is not None


async def test_verdict_is_recorded_without_the_description(sample_db):
    slots = {"activity_description": "je suis plombière, je refais des salles de bain",
             "situation": "jobseeker_are", "hire_staff": "no", "commercial_lease": "no",
             "heavy_investment": "unknown"}
    events = [user("non", "deny")]
    dispatcher = CollectingDispatcher()
    await ActionEligibilityVerdict().run(dispatcher, tracker(slots, events, sender="conv-elig"), {})
    assert "bâtiment" in rendered_texts(dispatcher)[0]
    with sample_db.reader() as s:
        [row] = s.execute(select(EligibilityOutcome)).scalars().all()
    assert (row.conversation_id, row.status, row.redirect) == ("conv-elig", "redirect", "batiment")
    assert row.situation == "jobseeker_are" and row.rules and row.person_id is None
    assert "salles de bain" not in row.matched
