"""The REST channel (``POST /webhooks/rest/webhook``) with the doors of
bot/channels/limits.py: message length and rate limit."""
from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.guard import as_plain_text, starts_with_slash
from bot.channels.limits import guarded
from bot.training_examples import known_intents

logger = logging.getLogger(__name__)
INTENT_OF_SLASH = re.compile(r"^\s*/([\w/-]+)")


@functools.lru_cache(maxsize=1)
def _intents() -> frozenset:
    return frozenset(i.split("/", 1)[0] for i in known_intents())


def plain_unless_known_intent(text: str) -> str:
    """``/intent{...}`` names one of our intents (integrations and tests use
    them, like button payloads); anything else starting with "/" is text."""
    if not starts_with_slash(text):
        return text
    match = INTENT_OF_SLASH.match(text)
    if match and match.group(1).split("/", 1)[0] in _intents():
        return text
    return as_plain_text(text)


class RestChannel(RestInput):
    """Credentials key ``bot.channels.rest.RestChannel``."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limited = guarded(on_new_message)

        async def checked(message: UserMessage) -> None:
            message.text = plain_unless_known_intent(message.text or "")
            try:
                await limited(message)
            except (Exception, asyncio.CancelledError) as error:  # noqa: BLE001
                # Rasa's handler would log the message text; the type is enough.
                logger.error("rest message not handled: %s", type(error).__name__)

        return super().blueprint(checked)
