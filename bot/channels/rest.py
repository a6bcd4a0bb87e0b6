"""The REST channel (``POST /webhooks/rest/webhook``) with the doors of
bot/channels/limits.py (message length, rate limits) and strict input checks.

A valid request is ``{"sender": "<1-128 of A-Z a-z 0-9 - _ . : @>",
"message": "<text>", "metadata": {...}}`` (``metadata`` optional) of at most
``CAE_MAX_BODY_BYTES``; it is answered as by Rasa's own REST channel (a JSON
list of the bot's messages). Anything else gets 400 (413 for a body too large)
with ``{"error": <code>, "message": <French explanation>}``, and a message that
could not be handled (so was not stored) 503: the client may send it again.
The channel name is always ``rest`` (the body cannot choose another one).
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import re
from typing import Any, Awaitable, Callable, Optional, Text, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
import rasa.utils.endpoints
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import as_plain_text, normalised_text, starts_with_slash
from bot.channels.http import address_of, error, read_body, too_large
from bot.channels.limits import guarded, too_long
from bot.training_examples import known_intents

logger = logging.getLogger(__name__)

INTENT_OF_SLASH = re.compile(r"^\s*/([\w/-]+)")
SENDER = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")

NOT_AN_OBJECT = ('Le corps de la requête doit être un objet JSON, par exemple '
                 '{"sender": "abc123", "message": "bonjour"}.')
BAD_MESSAGE = "Le champ « message » est obligatoire et doit être un texte."
BAD_SENDER = ("Le champ « sender » est obligatoire : de 1 à 128 caractères parmi les lettres "
              "sans accent, les chiffres et - _ . : @.")
BAD_METADATA = "Le champ « metadata », s'il est donné, doit être un objet JSON."
NOT_HANDLED = ("Votre message n'a pas pu être traité pour le moment. "
               "Pouvez-vous le renvoyer dans un instant ?")


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


class Refused(tuple):
    """(code, French message) of a request that goes no further."""


def checked_body(raw: bytes) -> Union[Refused, tuple[str, str, Optional[dict]]]:
    """(sender, normalised text, metadata) of a valid body, else ``Refused``."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Refused(("not_json", NOT_AN_OBJECT))
    if not isinstance(body, dict):
        return Refused(("not_an_object", NOT_AN_OBJECT))
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not SENDER.match(sender):
        return Refused(("bad_sender", BAD_SENDER))
    if not isinstance(message, str):
        return Refused(("bad_message", BAD_MESSAGE))
    answer = too_long(message)
    if answer is not None:
        return Refused(("too_long", answer))
    if metadata is not None and not isinstance(metadata, dict):
        return Refused(("bad_metadata", BAD_METADATA))
    return sender, normalised_text(message), metadata


class RestChannel(RestInput):
    """Credentials key ``bot.channels.rest.RestChannel``."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limited = guarded(on_new_message)
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            raw = await read_body(request)
            if raw is None:
                return too_large()
            checked = checked_body(raw)
            if isinstance(checked, Refused):
                return error(400, *checked)
            sender, text, metadata = checked
            text = plain_unless_known_intent(text)
            address = address_of(request)

            async def handle(message: UserMessage) -> None:
                await limited(message, address)

            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(self.stream_response(handle, text, sender, self.name(), metadata),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await handle(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            except (Exception, asyncio.CancelledError) as failure:  # noqa: BLE001 - not stored: say so
                # The type only: a traceback or Rasa's own handler would log the text typed.
                logger.error("REST message could not be handled (not stored): %s", type(failure).__name__)
                return error(503, "not_handled", NOT_HANDLED)
            return response.json(collector.messages)

        return webhook
