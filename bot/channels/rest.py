"""The REST channel (``POST /webhooks/rest/webhook``) with the doors of
bot/channels/limits.py: message length and rate limit."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.limits import guarded


class RestChannel(RestInput):
    """Credentials key ``bot.channels.rest.RestChannel``."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guarded(on_new_message))
