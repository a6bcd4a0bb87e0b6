"""Handoff contact details found anywhere in a sentence, the rest kept as a note."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.handoff import ActionHandoffRequest, ValidateHandoffForm
from bot.handoff import parse_contact
from bot.storage.models import HandoffRequest
from tests.support import rendered_texts


@pytest.mark.parametrize("text,expected", [
    ("07 81 22 33 44, plutôt le matin svp", {"phone": "+33 7 81 22 33 44", "note": "plutôt le matin svp"}),
    ("vous pouvez m'écrire à Lea.Martin@Exemple.fr merci", {"email": "lea.martin@exemple.fr",
                                                             "note": "vous pouvez m'écrire à merci"}),
    ("mon numéro : +33 6 12 34 56 78", {"phone": "+33 6 12 34 56 78", "note": "mon numéro"}),
    ("appelez-moi au 06.12.34.56.78 après 18 h", {"phone": "+33 6 12 34 56 78", "note": "appelez-moi au après 18 h"}),
    ("lea@exemple.fr", {"email": "lea@exemple.fr"}),
    ("rappelez-moi demain", None), ("j'ai 2 enfants et 3 idées", None), ("lea@", None), ("non merci", {}),
])
def test_contact_in_a_sentence(text, expected):
    assert parse_contact(text) == expected


def tracker(slots, events):
    return Tracker("conv-handoff", slots, {"text": events[-1]["text"]}, events, False, None, {}, "action_listen")


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"}


async def test_the_form_accepts_a_sentence_and_the_request_keeps_the_note(sample_db):
    answer = "07 81 22 33 44, plutôt le matin svp"
    dispatcher = CollectingDispatcher()
    slot = await ValidateHandoffForm().validate_handoff_contact(answer, dispatcher, tracker({}, [user("x", "x")]), {})
    assert slot == {"handoff_contact": answer} and dispatcher.messages == []
    events = [user("comment se passe la CAPE ?", "faq"), user("un conseiller svp", "human_handoff"),
              user(answer, "nlu_fallback")]
    dispatcher = CollectingDispatcher()
    await ActionHandoffRequest().run(dispatcher, tracker(slot, events), {})
    assert "vous recontacter" in rendered_texts(dispatcher)[0]
    with sample_db.reader() as s:
        [row] = s.execute(select(HandoffRequest)).scalars().all()
    assert row.phone == "+33 7 81 22 33 44" and row.email is None and row.consent_at is not None
    assert row.reason == "comment se passe la CAPE ?\nPrécision sur le contact : plutôt le matin svp"
