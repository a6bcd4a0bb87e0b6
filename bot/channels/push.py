"""A coach's messages to a Telegram or WhatsApp conversation, sent at once
(live takeover, bot/takeover.py) rather than with the person's next message.

The conversation is known by a pseudonym (bot/channels/limits.py); the chat id
or number it is written to is kept sealed in our database by the webhook of
each channel (``remember``), and read back here. The message is sent as plain
text: Telegram's ``sendMessage`` without ``parse_mode``, a WhatsApp message
through Twilio's Messages API. Each message is claimed before it is sent and
given back when the service refuses it or cannot be reached: it then goes with
the person's next message (bot/rasa/speedups.py), never twice.

This module imports no Rasa code: the web app (bot/web/dashboard/takeover.py)
calls ``push_pending``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, Optional

import aiohttp

from bot import takeover
from bot.storage.db import Database

logger = logging.getLogger(__name__)

TELEGRAM, WHATSAPP = "telegram", "whatsapp"
# A conversation's address is written again after this long (its "last seen" date).
REFRESH_SECONDS = 3600.0
TIMEOUT_SECONDS = 15.0

_remembered: dict[str, float] = {}


class PushError(RuntimeError):
    """The messaging service refused the message or could not be reached."""


async def remember(db: Database, conversation_id: str, channel: str, address: str) -> None:
    """Called by a channel's webhook for each message: keep where to write to
    this conversation (at most once per REFRESH_SECONDS per process). A failure
    is logged: the coach's messages then go with the person's next message."""
    now = time.monotonic()
    if now - _remembered.get(conversation_id, -REFRESH_SECONDS) < REFRESH_SECONDS:
        return
    try:
        await asyncio.to_thread(takeover.remember_address, db, conversation_id, channel, address)
    except Exception:  # noqa: BLE001 - never lose the person's message for this
        logger.exception("channel address not stored: coach messages will wait for the person's next one")
        return
    _remembered[conversation_id] = now
    if len(_remembered) > 100_000:
        _remembered.clear()


async def _post(url: str, **kwargs) -> dict:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
            async with session.post(url, **kwargs) as reply:
                body = await reply.json(content_type=None) if reply.status < 300 else None
                if reply.status >= 300 or not isinstance(body, dict):
                    raise PushError(f"answered {reply.status}")
                return body
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        raise PushError(type(error).__name__) from error


async def send_telegram(config: dict, chat_id: str, text: str) -> None:
    """``sendMessage`` as plain text (no ``parse_mode``: nothing is interpreted)."""
    url = f"{config['api_base_url'].rstrip('/')}/bot{config['access_token']}/sendMessage"
    body = await _post(url, json={"chat_id": chat_id, "text": text})
    if body.get("ok") is not True:
        raise PushError("Telegram said not ok")


async def send_whatsapp(config: dict, number: str, text: str) -> None:
    """One WhatsApp message through Twilio's Messages API (plain text)."""
    url = (f"{config['api_base_url'].rstrip('/')}/2010-04-01/Accounts/"
           f"{config['account_sid']}/Messages.json")
    await _post(url, data={"To": number, "From": config["twilio_number"], "Body": text},
                auth=aiohttp.BasicAuth(config["account_sid"], config["auth_token"]))


def _sender(channel: str) -> Optional[Callable[[str, str], Awaitable[None]]]:
    from bot.channels.credentials import telegram_settings, whatsapp_settings

    if channel == TELEGRAM and (config := telegram_settings()):
        return lambda address, text: send_telegram(config, address, text)
    if channel == WHATSAPP and (config := whatsapp_settings()):
        return lambda address, text: send_whatsapp(config, address, text)
    return None


async def push_pending(db: Database, conversation_id: str) -> Optional[list[takeover.Outgoing]]:
    """Send the messages waiting for a Telegram or WhatsApp conversation, in
    order, stopping at the first failure. The messages sent (to record in the
    transcript), or None when the conversation has no known address (not one of
    these channels, or the channel is not configured here)."""
    found = await asyncio.to_thread(takeover.address_of, db, conversation_id)
    send = _sender(found[0]) if found else None
    if send is None:
        return None
    address = found[1]
    sent: list[takeover.Outgoing] = []
    for message in await asyncio.to_thread(takeover.pending, db, conversation_id):
        if not await asyncio.to_thread(takeover.claim, db, message.id):
            continue  # the person's own turn took it
        try:
            await send(address, takeover.shown_text(message))
        except PushError as error:
            await asyncio.to_thread(takeover.unclaim, db, message.id)
            logger.warning("takeover push to %s failed (%s): sent with the person's next message",
                           found[0], error)
            break
        sent.append(message)
    return sent
