"""WhatsApp channel: Rasa's Twilio connector, with signature checks and numbered choices.

Differences with the stock ``twilio`` channel:

- every incoming form post must carry a valid ``X-Twilio-Signature`` (HMAC of
  the webhook URL and the form with the account's auth token, checked with
  ``twilio.request_validator.RequestValidator``); 403 otherwise. The URL signed
  by Twilio is the public one (``webhook_url``), not what the proxy forwards;
- buttons become numbered choices ("1. …", "2. …"); payloads are never shown.
  The person answers with the number, which is mapped back to the payload of
  that button in the assistant's last turn. The buttons sent are already in
  the conversation's tracker (each ``bot`` event keeps its buttons), and the
  tracker store is shared by every Rasa server (PostgreSQL in production), so
  the mapping needs no store of its own and survives restarts and any number
  of servers;
- typed text starting with ``/`` is always text (buttons arrive as numbers);
- replies are sent with an asynchronous HTTP call to ``api_base_url``
  (``CAE_TWILIO_API_URL``, default https://api.twilio.com) instead of the
  blocking Twilio client; a reply Twilio refuses or that cannot reach it is
  an error (``DeliveryError``), not a silent loss;
- the form is read up to ``CAE_MAX_BODY_BYTES`` (413 beyond), ``Body`` is
  normalised (``bot.channels.guard.normalised_text``), ``From`` is at most 128
  characters;
- Twilio is told "success" (204) only once the message is stored: an error
  status otherwise (500 if not stored, 503 if stored but replies could not be
  sent; a retry of the same ``MessageSid`` sends those replies again without
  handing the message to the model twice, see ``bot.channels.delivery``);
- the number is kept sealed for a coach's live messages (``bot.channels.push``).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import push
from bot.channels.delivery import handle_update
from bot.channels.guard import (
    as_plain_text,
    last_bot_buttons,
    normalised_text,
    numbered_choice,
    starts_with_slash,
    tracker_events,
)
from bot.channels.http import read_body, too_large
from bot.channels.limits import RealRecipient, guarded, pseudonym
from bot.storage.db import get_database

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "X-Twilio-Signature"
CHOICE_HINT = "Répondez avec le numéro de votre choix."
MAX_SENDER_CHARS = 128


class DeliveryError(RuntimeError):
    """Twilio refused a reply or could not be reached."""


def numbered_text(text: str, buttons: List[Dict[Text, Any]]) -> str:
    lines = [text.strip()] if text and text.strip() else []
    lines += [f"{index}. {button.get('title', '')}" for index, button in enumerate(buttons, start=1)]
    lines.append(CHOICE_HINT)
    return "\n".join(lines)


class WhatsAppOutput(TwilioOutput):
    def __init__(self, account_sid: Text, auth_token: Text, twilio_number: Text,
                 api_base_url: Text = DEFAULT_API_URL) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.api_base_url = api_base_url.rstrip("/")

    async def _send_message(self, message_data: Dict[Text, Any]) -> dict:
        form: list = []
        for key, value in message_data.items():
            name = {"to": "To", "from_": "From", "body": "Body", "media_url": "MediaUrl",
                    "messaging_service_sid": "MessagingServiceSid"}.get(key, key)
            for item in value if isinstance(value, list) else [value]:
                form.append((name, str(item)))
        url = f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                async with session.post(url, data=form,
                                        auth=aiohttp.BasicAuth(self.account_sid, self.password)) as reply:
                    if reply.status >= 300:
                        logger.error("Twilio refused a message: %s %s", reply.status, await reply.text())
                        raise DeliveryError(f"Twilio answered {reply.status}")
                    return await reply.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.error("Twilio could not be reached: %s", error)
            raise DeliveryError("Twilio could not be reached") from error

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, numbered_text(text, buttons))

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # One WhatsApp message per bot message (the stock one splits paragraphs,
        # which would separate numbered choices from their question).
        await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": text.strip()})


class WhatsAppChannel(TwilioInput):
    """Credentials key ``bot.channels.whatsapp.WhatsAppChannel``."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        channel = cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url"),
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_URL,
        )
        channel.cae = credentials.get("cae") or None
        return channel

    cae: Optional[Text] = None  # the CAE this bot speaks for (credentials "cae"); None: network mode

    def get_metadata(self, request: Any) -> Optional[Dict[Text, Any]]:
        """Every message says which CAE it came for (read at the session's start)."""
        return {"cae": self.cae} if self.cae else None

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text],
                 twilio_number: Optional[Text], debug_mode: bool = False,
                 webhook_url: Optional[Text] = None, api_base_url: Text = DEFAULT_API_URL) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        if not auth_token:
            raise ValueError("the WhatsApp channel needs the Twilio auth token")
        self.webhook_url = webhook_url
        self.api_base_url = api_base_url
        self._validator = RequestValidator(auth_token)
        self._app: Any = None

    def get_output_channel(self) -> WhatsAppOutput:
        return WhatsAppOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_base_url)

    def _signed_ok(self, request: Request) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        params = {key: values[0] for key, values in request.form.items()}
        url = self.webhook_url or request.url
        return bool(signature) and self._validator.validate(url, params, signature)

    async def _text_for_rasa(self, sender: str, text: str) -> tuple[str, dict]:
        buttons = last_bot_buttons(await tracker_events(self._app, sender))
        payload = numbered_choice(text, buttons)
        if payload is not None:
            return payload, {"original_text": text}
        if starts_with_slash(text):
            return as_plain_text(text), {"original_text": text}
        return text, {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)
        channel = self
        on_new_message = guarded(on_new_message)

        @twilio_webhook.listener("before_server_start")
        async def keep_app(app, _loop) -> None:
            channel._app = app

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"], stream=True)
        async def message(request: Request) -> HTTPResponse:
            if await read_body(request) is None:
                return too_large()
            if not self._signed_ok(request):
                logger.warning("Twilio post refused: wrong or missing signature")
                return response.text("forbidden", status=403)
            sender = request.form.get("From")
            text = request.form.get("Body")
            if not sender or text is None:
                return response.text("", status=204)
            if len(sender) > MAX_SENDER_CHARS:
                return response.text("bad request", status=400)
            conversation = pseudonym("whatsapp", sender)
            recipient = RealRecipient(self.get_output_channel(), conversation, sender)
            await push.remember(get_database(), conversation, push.WHATSAPP, sender)
            message_sid = request.form.get("MessageSid") or request.form.get("SmsMessageSid")

            async def handle() -> None:
                checked, extra = await self._text_for_rasa(conversation, normalised_text(text).replace("¡", "@"))
                metadata = {**(self.get_metadata(request) or {}), **extra}
                await on_new_message(UserMessage(checked, recipient, conversation,
                                                 input_channel=self.name(), metadata=metadata))

            status = await handle_update(f"whatsapp:{message_sid}" if message_sid else None, recipient, handle)
            return response.text("", status=204 if status == 200 else status)

        return twilio_webhook
