"""Every status and code a coach reads has a French label, from bot/labels.py."""
from __future__ import annotations


from bot import labels
from bot.domain import load as load_domain
from bot.storage import models


def test_every_status_has_a_french_label():
    for kind, codes in (("booking", models.BOOKING_STATUSES), ("session", models.SESSION_STATUSES),
                        ("progress", models.PROGRESS_STATUSES), ("handoff", models.HANDOFF_STATUSES),
                        ("eligibility", ("eligible", "redirect", "not_eligible", "to_review"))):
        for code in codes:
            assert labels.label(kind, code) != code, (kind, code)


def test_every_intent_has_a_french_label_and_topics_their_button_title():
    domain = load_domain()
    for intent in (i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]):
        assert labels.label("intent", intent) != intent, intent
    assert labels.label("intent", "faq/what_is_cae") == "Qu'est-ce qu'une CAE ?"
    choices = labels.example_choices()
    assert ("faq/what_is_cae", "Qu'est-ce qu'une CAE ?") in choices and ("affirm", "Oui") in choices
    assert [title.lower() for _, title in choices] == sorted(title.lower() for _, title in choices)
    assert labels.label("booking", "unknown_code") == "unknown_code" and labels.label("booking", None) == ""
