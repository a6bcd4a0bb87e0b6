"""The effective channels file for Rasa (``--credentials``), built from the environment.

``credentials.yml`` (versioned) holds what is always on: REST and the website
widget. Telegram and WhatsApp are added only when their variables are set, so
a machine without them starts without them (Rasa would stop on a missing
``${VAR}``). The result is written to ``var/credentials.yml`` (owner-only: it
holds tokens) at every start.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

import yaml

from bot import settings

BASE_FILE = settings.ROOT / "credentials.yml"
SOCKETIO_KEY = "bot.channels.socketio.SocketIOChannel"
TELEGRAM_KEY = "bot.channels.telegram.TelegramChannel"
WHATSAPP_KEY = "bot.channels.whatsapp.WhatsAppChannel"

WEB_PORT = settings.current().web_port


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def default_origins(host: str, web_port: int) -> list[str]:
    """The widget page's own origin (both loopback names when on loopback)."""
    names = [host]
    if host in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):
        names = ["127.0.0.1", "localhost"]
    return [f"http://{name}:{web_port}" for name in names]


def allowed_origins(env: Mapping[str, str] = os.environ, host: str = settings.HOST,
                    web_port: int = WEB_PORT) -> list[str]:
    """``CAE_ALLOWED_ORIGINS`` (comma separated), else the widget page's origin."""
    configured = settings.current(env).allowed_origins
    return configured or default_origins(host, web_port)


def _derived_secret(token: str, purpose: str) -> str:
    return hashlib.sha256(f"cae-{purpose}:{token}".encode()).hexdigest()


def telegram_settings(env: Mapping[str, str] = os.environ) -> Optional[dict]:
    config = settings.current(env)
    token, name, webhook = config.telegram_token, config.telegram_bot_name, config.telegram_webhook_url
    if not (token and name and webhook):
        return None
    return {
        "access_token": token,
        "verify": name,
        "webhook_url": webhook,
        # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; without a
        # configured one, a secret derived from the token is used (the same at
        # every start, so set-webhook and the servers agree).
        "secret_token": config.telegram_secret_token or _derived_secret(token, "telegram"),
        "api_base_url": config.telegram_api_url,
        # The CAE this bot speaks for (a caes/<slug>.yml); None: network mode.
        "cae": config.telegram_cae,
    }


def whatsapp_settings(env: Mapping[str, str] = os.environ) -> Optional[dict]:
    config = settings.current(env)
    sid, token = config.twilio_account_sid, config.twilio_auth_token
    number, webhook = config.twilio_whatsapp_number, config.twilio_webhook_url
    if not (sid and token and number and webhook):
        return None
    if not number.startswith("whatsapp:"):
        number = "whatsapp:" + number
    return {
        "account_sid": sid,
        "auth_token": token,
        "twilio_number": number,
        "webhook_url": webhook,
        "api_base_url": config.twilio_api_url,
        "cae": config.twilio_cae,  # the CAE this number speaks for
    }


def effective_credentials(env: Mapping[str, str] = os.environ, host: str = settings.HOST,
                          web_port: int = WEB_PORT, base_file: Path = BASE_FILE) -> dict:
    channels = yaml.safe_load(base_file.read_text()) or {}
    socketio = dict(channels.get(SOCKETIO_KEY) or {})
    socketio["cors_allowed_origins"] = allowed_origins(env, host, web_port)
    channels[SOCKETIO_KEY] = socketio
    telegram = telegram_settings(env)
    if telegram:
        channels[TELEGRAM_KEY] = telegram
    whatsapp = whatsapp_settings(env)
    if whatsapp:
        channels[WHATSAPP_KEY] = whatsapp
    return channels


def write_credentials(path: Optional[Path] = None, env: Mapping[str, str] = os.environ,
                      host: str = settings.HOST, web_port: int = WEB_PORT) -> Path:
    path = Path(path or settings.VAR_DIR / "credentials.yml")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ("# Written at start-up by bot/channels/credentials.py from credentials.yml\n"
            "# and the environment. Do not edit: edit those instead.\n"
            + yaml.safe_dump(effective_credentials(env, host, web_port), sort_keys=False, allow_unicode=True))
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
    return path
