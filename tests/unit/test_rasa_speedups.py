"""Rasa's action-response validation, with its validator built once."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.nlu_components  # noqa: F401  (applies bot.rasa_speedups)
from bot import rasa_speedups


@pytest.fixture()
def action():
    return RemoteAction("action_answer_faq", None)


def test_the_patch_is_applied_by_importing_our_component():
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


def test_valid_responses_pass(action):
    assert action._validate_action_result({
        "events": [{"event": "slot", "name": "faq_topic", "value": "cape"}],
        "responses": [{"response": "utter_faq/cape"}],
    })
    assert action._validate_action_result({"events": [], "responses": []})


@pytest.mark.parametrize("response", [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"responses": "text"},
])
def test_invalid_responses_are_refused_with_rasas_message(action, response):
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(response)
    assert "Failed to validate Action server response from API" in raised.value.message
