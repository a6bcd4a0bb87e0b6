"""A button's title typed instead of clicked means the button (bot/typed_buttons.py)."""
from __future__ import annotations

from bot.typed_buttons import last_buttons, typed_button

WAITLIST = {"title": "Liste d'attente", "payload": '/choose_session{"session_id": "7", "booking_waitlist": "yes"}'}
SESSION = {"title": "mar. 8 déc. 14 h – Rouen", "payload": '/choose_session{"session_id": "9"}'}
HERE = {"title": "Répondez-moi ici", "payload": "ici"}


def test_a_title_typed_word_for_word_is_its_payload():
    buttons = [WAITLIST, SESSION, HERE]
    assert typed_button("liste d'attente", buttons) == WAITLIST["payload"]
    assert typed_button("  LISTE D'ATTENTE !", buttons) == WAITLIST["payload"]
    assert typed_button("Mar. 8 déc. 14 h – Rouen", buttons) == SESSION["payload"]
    assert typed_button("repondez-moi ici", buttons) == "ici"


def test_anything_else_is_left_to_the_understanding():
    buttons = [WAITLIST, SESSION]
    assert typed_button("je veux bien la liste d'attente", buttons) is None  # not the title itself
    assert typed_button("", buttons) is None and typed_button("🙂", buttons) is None
    assert typed_button("x" * 500, buttons) is None
    assert typed_button("liste d'attente", []) is None
    assert typed_button("Oui", [{"title": "Oui", "payload": "oui"}]) is None  # the payload is the text itself
    twins = [{"title": "Rouen", "payload": "/a"}, {"title": "rouen", "payload": "/b"}]
    assert typed_button("Rouen", twins) is None  # ambiguous: two buttons say it
    assert typed_button("Rouen", [{"title": "Rouen"}, "garbage", None]) is None


def test_only_the_buttons_of_the_assistants_last_message_count():
    bot = {"event": "bot", "text": "La dernière place vient d'être prise.", "data": {"buttons": [WAITLIST]}}
    user = {"event": "user", "text": "bonjour"}
    assert last_buttons([user, bot]) == [WAITLIST]
    assert last_buttons([bot, {"event": "action", "name": "action_listen"}]) == [WAITLIST]
    assert last_buttons([bot, user]) == []  # the person has written since
    assert last_buttons([]) == [] and last_buttons([{"event": "bot", "data": None}]) == []
