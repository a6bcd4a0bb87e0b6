"""FAQ answers through the REST channel, each question the first message of a
new conversation, on both sets of held-out questions (never used in training)."""
from __future__ import annotations

import pytest

from bot.evaluation import Outcome, Report, answered_topic, faq_answers
from bot.faq import HELDOUT_FILES, load_heldout
from tests.support import chat

pytestmark = [pytest.mark.model, pytest.mark.servers]

# Measured on this model (see the issue note); a regression below fails.
# Measured: held-out 0.952 (198/208), fresh held-out 0.974 (152/156).
ACCURACY_FLOORS = {"held-out": 0.93, "fresh held-out": 0.95}
MAX_CONFIDENT_ERRORS_RATE = 0.03  # measured 4/208 = 0.019 and 1/156 = 0.006


@pytest.fixture(scope="module")
def heldout_reports(servers) -> dict[str, Report]:
    answers = faq_answers()
    reports = {}
    for name, path in HELDOUT_FILES.items():
        reports[name] = Report([
            Outcome(item["text"], item["topic"],
                    answered_topic(chat(servers, f"{name}-{n}".replace(" ", "-"), item["text"]), answers))
            for n, item in enumerate(load_heldout(path))
        ])
        print(f"\n=== {name} ===\n{reports[name].format()}")
    return reports


@pytest.mark.parametrize("name", list(HELDOUT_FILES))
def test_heldout_accuracy_stays_above_the_measured_floor(heldout_reports, name):
    assert heldout_reports[name].accuracy >= ACCURACY_FLOORS[name]


@pytest.mark.parametrize("name", list(HELDOUT_FILES))
def test_few_confident_wrong_answers(heldout_reports, name):
    report = heldout_reports[name]
    assert len(report.confident_errors) / len(report.outcomes) <= MAX_CONFIDENT_ERRORS_RATE


def test_a_topic_button_answers_that_topic(servers):
    answers = faq_answers()
    for topic in answers:
        replies = chat(servers, f"button-{topic}", f'/ask_topic{{"faq_topic":"{topic}"}}')
        assert answered_topic(replies, answers) == topic, topic
