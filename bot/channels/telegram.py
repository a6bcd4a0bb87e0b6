"""Telegram channel: Rasa's Telegram connector, made safe to run offline.

Differences with the stock ``telegram`` channel:

- no ``setWebhook`` call at start-up (the stock one calls it, and Rasa stops
  when it fails); register the webhook once with
  ``python -m bot.channels.telegram set-webhook`` (reads the environment);
- every call to the Bot API goes to ``api_base_url`` (``CAE_TELEGRAM_API_URL``,
  default https://api.telegram.org), so a stand-in can replace Telegram;
- an update is accepted only with Telegram's ``X-Telegram-Bot-Api-Secret-Token``
  header equal to the configured secret (403 otherwise), instead of one
  ``getMe`` call per message;
- typed text starting with ``/`` is text (``/start`` is a greeting); a button
  press is accepted when its data is a button of the message it came from;
- the body is read up to ``CAE_MAX_BODY_BYTES`` (413 beyond), texts are
  normalised (``bot.channels.guard.normalised_text``);
- Telegram is told "200" only once the message is stored: an error before
  makes it retry; replies that could not be sent after the message was stored
  make a 503 too, and the retry of the same ``update_id`` sends them again
  without handing the message to the model twice (``bot.channels.delivery``);
- the chat id is kept sealed for a coach's live messages (``bot.channels.push``).
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import push
from bot.channels.delivery import handle_update
from bot.channels.guard import as_plain_text, normalised_text, starts_with_slash
from bot.channels.http import read_body, too_large
from bot.channels.limits import RealRecipient, guarded, pseudonym
from bot.storage.db import get_database

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_COMMAND = "/start"
START_TEXT = "bonjour"


class TelegramBotOutput(TelegramOutput):
    """Rasa's Telegram output, talking to the configured Bot API server."""

    def __init__(self, access_token: Optional[Text], api_base_url: Text = DEFAULT_API_URL) -> None:
        # TelegramOutput.__init__ takes the token only; the server goes to aiogram's Bot.
        super(TelegramOutput, self).__init__(access_token, server=TelegramAPIServer.from_base(api_base_url))


def _keyboard_data(markup: Any) -> set:
    rows = getattr(markup, "inline_keyboard", None) or []
    return {getattr(button, "callback_data", None) for row in rows for button in row} - {None}


class TelegramChannel(TelegramInput):
    """Credentials key ``bot.channels.telegram.TelegramChannel``."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        channel = cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_URL,
        )
        channel.cae = credentials.get("cae") or None
        return channel

    cae: Optional[Text] = None  # the CAE this bot speaks for (credentials "cae"); None: network mode

    def get_metadata(self, request: Any) -> Optional[Dict[Text, Any]]:
        """Every message says which CAE it came for (read at the session's start)."""
        return {"cae": self.cae} if self.cae else None

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        debug_mode: bool = False,
        secret_token: Optional[Text] = None,
        api_base_url: Text = DEFAULT_API_URL,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        if not secret_token:
            raise ValueError("the Telegram channel needs a webhook secret (secret_token)")
        self.secret_token = secret_token
        self.api_base_url = api_base_url
        self._output: Optional[TelegramBotOutput] = None

    def get_output_channel(self) -> TelegramBotOutput:
        # One Bot (one HTTP session) per channel; no setWebhook here.
        if self._output is None:
            self._output = TelegramBotOutput(self.access_token, self.api_base_url)
        return self._output

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    async def _text_of(self, update: Update, out_channel: TelegramBotOutput) -> tuple[Any, Optional[str], dict]:
        """(message, text to hand to Rasa or None to ignore, extra metadata)."""
        if update.callback_query is not None:
            query = update.callback_query
            try:
                await out_channel.answer_callback_query(query.id)
            except Exception:  # the spinner on the button is cosmetic
                logger.debug("answerCallbackQuery failed", exc_info=True)
            data = normalised_text(query.data or "")
            if starts_with_slash(data) and data not in _keyboard_data(query.message.reply_markup):
                return query.message, as_plain_text(data), {"original_text": data}
            return query.message, data, {}
        message = update.message or update.edited_message
        if message is None:
            return None, None, {}
        if message.text is not None:
            text = normalised_text(message.text)
            if text.strip().split("@")[0] == START_COMMAND:
                return message, START_TEXT, {"original_text": text}
            if starts_with_slash(text):
                return message, as_plain_text(text), {"original_text": text}
            return message, text, {}
        if message.location is not None:
            return message, None, {}  # locations are not used by this assistant
        return message, None, {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()
        on_new_message = guarded(on_new_message)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"], stream=True)
        async def message(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                logger.warning("Telegram update refused: wrong or missing secret token")
                return response.text("forbidden", status=403)
            raw = await read_body(request)
            if raw is None:
                return too_large()
            try:
                body = json.loads(raw)
                if isinstance(body, str):
                    body = json.loads(body)
                update = Update(**body)
            except Exception:
                return response.text("bad request", status=400)
            msg, text, extra = await self._text_of(update, out_channel)
            if msg is None or text is None:
                return response.text("success")
            metadata = {**(self.get_metadata(request) or {}), **extra}
            sender = pseudonym("telegram", msg.chat.id)
            recipient = RealRecipient(out_channel, sender, str(msg.chat.id))
            await push.remember(get_database(), sender, push.TELEGRAM, str(msg.chat.id))

            async def handle() -> None:
                await on_new_message(UserMessage(text, recipient, sender, input_channel=self.name(),
                                                 metadata=metadata))

            status = await handle_update(f"telegram:{update.update_id}", recipient, handle)
            if status != 200 and self.debug_mode:
                logger.error("Telegram update %s answered %s", update.update_id, status)
            return response.text("success" if status == 200 else "retry later", status=status)

        return telegram_webhook


async def set_webhook(token: str, webhook_url: str, secret: str, api_base_url: str = DEFAULT_API_URL) -> bool:
    bot = TelegramBotOutput(token, api_base_url)
    try:
        # aiogram 2 predates the secret_token parameter: call the method directly.
        return bool(await bot.request("setWebhook", {"url": webhook_url, "secret_token": secret}))
    finally:
        await bot.close()


def main(argv: Optional[list] = None) -> int:
    """``python -m bot.channels.telegram set-webhook``: tell Telegram where to post."""
    from bot.channels.credentials import telegram_settings

    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram")
    parser.add_argument("command", choices=["set-webhook"])
    parser.parse_args(argv)
    config = telegram_settings()
    if config is None:
        print("Telegram n'est pas configuré (CAE_TELEGRAM_TOKEN, CAE_TELEGRAM_BOT_NAME, "
              "CAE_TELEGRAM_WEBHOOK_URL).", file=sys.stderr)
        return 2
    ok = asyncio.run(set_webhook(config["access_token"], config["webhook_url"],
                                 config["secret_token"], config["api_base_url"]))
    print("Webhook Telegram enregistré : " + config["webhook_url"] if ok else "Échec de setWebhook.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
