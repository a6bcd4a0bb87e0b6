"""Telegram end to end: real Update payloads posted to the real Rasa server's
webhook; the bot's replies land in the loopback stand-in of the Bot API."""
from __future__ import annotations

import itertools
import json

import pytest

from tests import stubs
from bot.channels.limits import pseudonym
from tests.support import post, user_events

pytestmark = [pytest.mark.model, pytest.mark.servers]

_update_ids = itertools.count(700000001)
CHAT_ID = 987654321


def person(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Camille", "last_name": "Martin",
            "username": "camille_m", "language_code": "fr"}


def chat(chat_id: int) -> dict:
    return {"id": chat_id, "first_name": "Camille", "last_name": "Martin",
            "username": "camille_m", "type": "private"}


def text_update(chat_id: int, text: str) -> dict:
    update_id = next(_update_ids)
    message = {"message_id": update_id % 100000, "from": person(chat_id), "chat": chat(chat_id),
               "date": 1763860000, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def button_update(chat_id: int, bot_message: dict, data: str) -> dict:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": person(chat_id),
            "message": bot_message,
            "chat_instance": "-8416236429876011827",
            "data": data,
        },
    }


def send(servers, update: dict, secret: str | None = stubs.TELEGRAM_SECRET) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return post(f"{servers.rasa_url}/webhooks/telegram/webhook", json.dumps(update).encode(), headers)


def sent_messages(channel_stubs, since: int, chat_id: int = CHAT_ID):
    return channel_stubs.replies("telegram.sendMessage", since, lambda c: int(c.params["chat_id"]) == chat_id)


def test_bonjour_is_answered_through_the_bot_api(servers, channel_stubs):
    mark = len(channel_stubs.calls)
    status, body = send(servers, text_update(CHAT_ID, "bonjour"))
    assert status == 200, body
    texts = [c.params["text"] for c in sent_messages(channel_stubs, mark)]
    assert texts and texts[0].startswith("Bonjour"), texts
    # No call to setWebhook at start-up (nor since).
    assert not channel_stubs.replies("telegram.setWebhook")


def test_buttons_are_an_inline_keyboard_and_a_press_is_answered(servers, channel_stubs):
    chat_id = CHAT_ID + 1
    mark = len(channel_stubs.calls)
    assert send(servers, text_update(chat_id, "azerty qsdfgh wxcvbn"))[0] == 200
    with_keyboard = [c for c in sent_messages(channel_stubs, mark, chat_id) if c.params.get("reply_markup")]
    assert with_keyboard, channel_stubs.calls[mark:]
    keyboard = with_keyboard[-1].params["reply_markup"]["inline_keyboard"]
    first = keyboard[0][0]
    assert first["text"] and first["callback_data"]

    # Telegram relays the press with the message the keyboard was attached to.
    bot_message = {"message_id": 5001, "from": {"id": 123456789, "is_bot": True, "first_name": "Assistant CAE",
                                                "username": stubs.TELEGRAM_BOT_NAME},
                   "chat": chat(chat_id), "date": 1763860001, "text": with_keyboard[-1].params["text"],
                   "reply_markup": with_keyboard[-1].params["reply_markup"]}
    mark = len(channel_stubs.calls)
    assert send(servers, button_update(chat_id, bot_message, first["callback_data"]))[0] == 200
    assert channel_stubs.replies("telegram.answerCallbackQuery", mark)
    assert sent_messages(channel_stubs, mark, chat_id)
    last = user_events(servers, pseudonym("telegram", chat_id))[-1]
    assert last["text"] == first["callback_data"]
    if first["callback_data"].startswith("/"):
        # The button's payload went straight to its intent.
        assert last["parse_data"]["intent"]["name"] == first["callback_data"][1:].split("{")[0]


def test_typed_slash_text_is_not_an_intent(servers, channel_stubs):
    chat_id = CHAT_ID + 2
    assert send(servers, text_update(chat_id, "/human_handoff"))[0] == 200
    last = user_events(servers, pseudonym("telegram", chat_id))[-1]
    assert last["text"] == "human_handoff"
    assert last["metadata"]["original_text"] == "/human_handoff"
    assert last["parse_data"]["intent"]["name"] != "human_handoff"


def test_forged_button_data_is_not_an_intent(servers, channel_stubs):
    chat_id = CHAT_ID + 3
    bot_message = {"message_id": 5002, "chat": chat(chat_id), "date": 1763860001, "text": "Bonjour",
                   "reply_markup": {"inline_keyboard": [[{"text": "Aide", "callback_data": "/help"}]]}}
    assert send(servers, button_update(chat_id, bot_message, "/human_handoff"))[0] == 200
    last = user_events(servers, pseudonym("telegram", chat_id))[-1]
    assert last["text"] == "human_handoff"


def test_start_command_greets(servers, channel_stubs):
    chat_id = CHAT_ID + 4
    mark = len(channel_stubs.calls)
    assert send(servers, text_update(chat_id, "/start"))[0] == 200
    texts = [c.params["text"] for c in sent_messages(channel_stubs, mark, chat_id)]
    assert texts and texts[0].startswith("Bonjour"), texts


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_updates_without_the_secret_are_refused(servers, channel_stubs, secret):
    mark = len(channel_stubs.calls)
    status, _ = send(servers, text_update(CHAT_ID + 5, "bonjour"), secret=secret)
    assert status == 403
    assert not channel_stubs.calls[mark:]


def test_bot_api_down_means_retry_and_the_retry_makes_no_duplicate(servers, channel_stubs):
    chat_id = CHAT_ID + 6
    update = text_update(chat_id, "bonjour")
    channel_stubs.failing = True
    try:
        status, _ = send(servers, update)
    finally:
        channel_stubs.failing = False
    assert status == 503  # Telegram posts the update again later
    # The message is stored all the same, once.
    assert [e["text"] for e in user_events(servers, pseudonym("telegram", chat_id))] == ["bonjour"]
    mark = len(channel_stubs.calls)
    assert send(servers, update)[0] == 200
    texts = [c.params["text"] for c in sent_messages(channel_stubs, mark, chat_id)]
    assert texts and texts[0].startswith("Bonjour"), texts
    assert [e["text"] for e in user_events(servers, pseudonym("telegram", chat_id))] == ["bonjour"]


def test_lone_surrogate_and_controls_are_cleaned(servers, channel_stubs):
    chat_id = CHAT_ID + 7
    body = json.dumps(text_update(chat_id, "bonjour\ud800\x00")).encode()
    status, _ = post(f"{servers.rasa_url}/webhooks/telegram/webhook", body,
                     {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": stubs.TELEGRAM_SECRET})
    assert status == 200
    assert user_events(servers, pseudonym("telegram", chat_id))[-1]["text"] == "bonjour\ufffd"


def test_several_questions_in_one_message_are_each_answered(servers, channel_stubs):
    # Split in the Rasa process (bot/rasa/questions.py), so every channel gets it.
    from bot.evaluation import faq_answers

    chat_id = CHAT_ID + 7
    mark = len(channel_stubs.calls)
    status, body = send(servers, text_update(chat_id, "c'est quoi un CAPE et combien ça coûte ?"))
    assert status == 200, body
    texts = [c.params["text"] for c in sent_messages(channel_stubs, mark, chat_id)]
    answers = faq_answers()
    assert answers["cape_what"] in texts and answers["contribution_rate"] in texts, texts
    assert texts.index(answers["cape_what"]) < texts.index(answers["contribution_rate"])
