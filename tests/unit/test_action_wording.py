"""Wording lives in the domain's responses (issue 20, item 4): the actions name
responses that exist and write no sentence of their own."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from tests.support import domain_responses, rendered_buttons, rendered_texts

ACTIONS = Path(__file__).resolve().parents[2] / "actions"


def inline_texts(path: Path) -> list[int]:
    """The lines of ``utter_message(text=...)`` calls in one actions file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "utter_message"
            and any(k.arg == "text" for k in node.keywords)]


def test_actions_write_no_inline_text():
    found = {str(path.relative_to(ACTIONS)): inline_texts(path) for path in sorted(ACTIONS.rglob("*.py"))}
    assert "booking/book.py" in found
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_finds_an_inline_text(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def run(d):\n    d.utter_message(response="utter_x")\n    d.utter_message(text="Bonjour")\n')
    assert inline_texts(sample) == [3]


def test_every_response_the_actions_and_dialogues_name_is_in_the_domain():
    responses = domain_responses()
    files = [*ACTIONS.rglob("*.py"), *(ACTIONS.parent / "bot").glob("*/dialogue.py")]
    named = {name for path in files
             for name in re.findall(r'"(utter_[a-z0-9_]+)"', path.read_text(encoding="utf-8"))}
    named.discard("utter_action")  # Rasa's key in a bot event's metadata, not a response
    assert "utter_cash_months_mismatch" in named  # named in bot/curriculum/dialogue.py
    assert len(named) > 40
    assert sorted(named - set(responses)) == []


def test_rendered_texts_fill_the_variables_and_refuse_a_missing_one():
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response="utter_objective_done", objective_title="Définir son offre")
    dispatcher.utter_message(text="Un texte tel quel")
    assert rendered_texts(dispatcher) == [
        "Bravo, « Définir son offre » est terminé ! Votre conseiller pourra le valider.", "Un texte tel quel"]
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response="utter_objective_done")
    with pytest.raises(AssertionError, match="objective_title"):
        rendered_texts(dispatcher)


def test_rendered_buttons_are_the_responses_then_the_actions():
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response="utter_ask_erase_anonymous", buttons=[{"title": "Aide", "payload": "/help"}])
    dispatcher.utter_message(response="utter_erase_done")
    assert [[b["payload"] for b in buttons] for buttons in rendered_buttons(dispatcher)] == [
        ["Oui", "Non", "/help"], []]
