"""Rasa adapter of bot/questions.py and bot/typed_buttons.py: every parsed
message that holds several questions carries each part's own classification,
and a button's title typed instead of clicked is parsed as the button's payload.

``MessageProcessor.parse_message`` is wrapped, so it applies to every channel
(REST, the widget's socket.io, Telegram, WhatsApp) and to ``/model/parse``:
after the usual parse of the whole text, each part found by
``bot.questions.split_questions`` is run through the same NLU graph and a short
summary of it is added to the parse data under ``questions``. Rasa keeps extra
parse data keys on the ``UserUttered`` event, so the actions read them in
``tracker.latest_message`` (actions/faq.py, actions/core.py). The whole
message's intent is left as it is: the dialogue's rules still decide on it.
Applied by bot/rasa/speedups.apply().
"""
from __future__ import annotations

import logging
from typing import Any, Dict

from bot import questions, typed_buttons

logger = logging.getLogger(__name__)

_original: Dict[str, Any] = {}


async def _parse_message(self, message, tracker=None, only_output_properties: bool = True) -> Dict[str, Any]:
    clicked = _typed_button(message, tracker)
    if clicked is not None:  # a button's title typed: understood as its payload (bot/typed_buttons.py)
        return await _original["parse_message"](self, clicked, tracker, only_output_properties)
    parse_data = await _original["parse_message"](self, message, tracker, only_output_properties)
    try:
        add_parts(self, message, tracker, parse_data, only_output_properties)
    except Exception:  # a failed split must never cost the message its answer
        logger.exception("Could not classify the parts of a message")
    return parse_data


def _typed_button(message, tracker):
    """The message as the click of the button whose title it is, or None."""
    from rasa.core.channels.channel import UserMessage

    if tracker is None or (message.text or "").startswith("/"):
        return None
    try:
        payload = typed_buttons.typed_button(message.text or "", typed_buttons.last_buttons(tracker.events))
    except Exception:  # never costs the message its answer
        logger.exception("Could not match a typed button")
        return None
    if payload is None:
        return None
    return UserMessage(text=payload, output_channel=message.output_channel, sender_id=message.sender_id,
                       input_channel=message.input_channel, message_id=message.message_id,
                       metadata=message.metadata)


def add_parts(processor, message, tracker, parse_data: Dict[str, Any], only_output_properties: bool = True) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    text = message.text or ""
    if processor.http_interpreter or text.startswith("/"):
        return
    parts = questions.split_questions(text)
    if len(parts) < 2:
        return
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    summaries = []
    for part in parts:
        part_message = UserMessage(text=part, sender_id=message.sender_id)
        part_parse = processor._parse_message_with_graph(part_message, tracker, only_output_properties)
        summaries.append(questions.part_summary(part, part_parse))
    parse_data[questions.PARSE_KEY] = summaries


def apply() -> None:
    from rasa.core.processor import MessageProcessor

    if _original:
        return
    _original["parse_message"] = MessageProcessor.parse_message
    MessageProcessor.parse_message = _parse_message

