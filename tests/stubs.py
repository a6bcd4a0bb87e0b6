"""Loopback stand-ins for Telegram's Bot API and Twilio's REST API.

They run in a thread of the test process (aiohttp), answer like the real
services and record every call, so the tests can read the bot's replies.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from bot.servers import free_port

TELEGRAM_TOKEN = "123456789:AAHtestTokenForTheCaeAssistant-0123456"
TELEGRAM_BOT_NAME = "cae_assistant_test_bot"
TELEGRAM_SECRET = "telegram-webhook-secret-for-tests"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-auth-token-for-tests"
TWILIO_NUMBER = "whatsapp:+14155238886"
# Public URLs as Telegram and Twilio know them (behind a proxy); never contacted.
TELEGRAM_WEBHOOK_URL = "https://assistant.example.org/webhooks/telegram/webhook"
TWILIO_WEBHOOK_URL = "https://assistant.example.org/webhooks/twilio/webhook"


@dataclass
class Call:
    method: str
    params: dict


@dataclass
class ChannelStubs:
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    # When true, both services answer every call with a server error (the
    # call is still recorded, with a method name ending in ".failed").
    failing: bool = False
    _message_ids: Any = field(default_factory=lambda: itertools.count(5000))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The channel variables of the servers under test, pointing at the stand-ins."""
        return {
            "CAE_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "CAE_TELEGRAM_BOT_NAME": TELEGRAM_BOT_NAME,
            "CAE_TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
            "CAE_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "CAE_TELEGRAM_API_URL": f"{self.url}/telegram",
            "CAE_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "CAE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "CAE_TWILIO_WHATSAPP_NUMBER": TWILIO_NUMBER,
            "CAE_TWILIO_WEBHOOK_URL": TWILIO_WEBHOOK_URL,
            "CAE_TWILIO_API_URL": f"{self.url}/twilio",
        }

    # -- Telegram Bot API ---------------------------------------------------
    async def _telegram(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TELEGRAM_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: v for k, v in (await request.post()).items()}
        if isinstance(params.get("reply_markup"), str):
            params["reply_markup"] = json.loads(params["reply_markup"])
        if self.failing:
            self.calls.append(Call(f"telegram.{method}.failed", params))
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        self.calls.append(Call(f"telegram.{method}", params))
        if method == "sendMessage":
            result: Any = {
                "message_id": next(self._message_ids), "date": int(time.time()),
                "from": {"id": 123456789, "is_bot": True, "first_name": "Assistant CAE",
                         "username": TELEGRAM_BOT_NAME},
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                result["reply_markup"] = params["reply_markup"]
        elif method == "getMe":
            result = {"id": 123456789, "is_bot": True, "first_name": "Assistant CAE", "username": TELEGRAM_BOT_NAME}
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    # -- Twilio REST API ----------------------------------------------------
    async def _twilio(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        import base64

        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if auth != expected or request.match_info["sid"] != TWILIO_SID:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        form = await request.post()
        params = {k: v for k, v in form.items()}
        if self.failing:
            self.calls.append(Call("twilio.messages.failed", params))
            return web.json_response({"code": 20500, "message": "Internal Server Error"}, status=500)
        self.calls.append(Call("twilio.messages", params))
        return web.json_response({
            "sid": f"SM{next(self._message_ids):032d}", "status": "queued",
            "to": params.get("To"), "from": params.get("From"), "body": params.get("Body"),
        }, status=201)

    # -- helpers ------------------------------------------------------------
    def replies(self, method: str, since: int = 0, where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method and where(c)]

    def __enter__(self) -> "ChannelStubs":
        app = web.Application()
        app.router.add_post("/telegram/bot{token}/{method}", self._telegram)
        app.router.add_post("/twilio/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="channel-stubs", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the Telegram/Twilio stand-ins did not start")
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
