"""FAQ answers through the REST channel, each question the first message of a
new conversation, on the held-out questions (never used in training)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from bot.evaluation import Outcome, Report, answered_topic, faq_answers, load_heldout

pytestmark = [pytest.mark.model, pytest.mark.servers]

# Measured on this model (see the issue note); a regression below fails.
HELDOUT_ACCURACY_FLOOR = 0.70  # measured 0.736 (208 questions)
MAX_CONFIDENT_ERRORS_RATE = 0.04  # measured 6/208 = 0.029


def ask(servers, sender: str, text: str) -> list[dict]:
    request = urllib.request.Request(
        servers.rest_webhook, data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.load(reply)


@pytest.fixture(scope="module")
def heldout_report(servers) -> Report:
    answers = faq_answers()
    outcomes = [
        Outcome(item["text"], item["topic"], answered_topic(ask(servers, f"heldout-{n}", item["text"]), answers))
        for n, item in enumerate(load_heldout())
    ]
    report = Report(outcomes)
    print("\n" + report.format())
    return report


def test_heldout_accuracy_stays_above_the_measured_floor(heldout_report):
    assert heldout_report.accuracy >= HELDOUT_ACCURACY_FLOOR


def test_few_confident_wrong_answers(heldout_report):
    assert len(heldout_report.confident_errors) / len(heldout_report.outcomes) <= MAX_CONFIDENT_ERRORS_RATE


def test_a_topic_button_answers_that_topic(servers):
    answers = faq_answers()
    for topic in answers:
        replies = ask(servers, f"button-{topic}", f'/ask_topic{{"faq_topic":"{topic}"}}')
        assert answered_topic(replies, answers) == topic, topic
