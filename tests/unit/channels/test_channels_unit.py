"""Channel pieces without a model: slash guard, numbered choices, credentials, web app."""
from __future__ import annotations

import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.channels import credentials
from bot.channels.guard import as_plain_text, checked_text, guarded_text, last_bot_buttons, numbered_choice
from bot.channels.socketio import markdown_line_breaks
from bot.channels.whatsapp import numbered_text
from bot.web.app import create_app

BUTTONS = [{"title": "Aide", "payload": "/help"}, {"title": "Oui", "payload": "Oui"}]
EVENTS = [
    {"event": "bot", "text": "Ancien", "data": {"buttons": [{"title": "X", "payload": "/human_handoff"}]}},
    {"event": "user", "text": "bonjour"},
    {"event": "bot", "text": "Bonjour", "data": {}},
    {"event": "action", "name": "action_listen"},
    {"event": "bot", "text": "Que souhaitez-vous faire ?", "data": {"buttons": BUTTONS}},
]


def test_buttons_of_the_last_bot_turn_only():
    assert last_bot_buttons(EVENTS) == BUTTONS
    assert last_bot_buttons(EVENTS + [{"event": "user", "text": "x"}]) == []


def test_slash_text_is_accepted_only_as_a_payload_just_sent():
    assert checked_text("/help", BUTTONS) == ("/help", False)
    assert checked_text("/human_handoff", BUTTONS) == ("human_handoff", True)
    assert checked_text('/check_eligibility{"x": 1}', []) == ('check_eligibility{"x": 1}', True)
    assert checked_text("bonjour", []) == ("bonjour", False)
    assert as_plain_text(" //restart ") == "restart"
    assert as_plain_text("/") == "/"


async def test_only_the_widget_greeting_passes_without_a_button():
    # No Rasa app here: no tracker, so no button of the last turn.
    assert await guarded_text(None, "visitor-1", "/greet") == ("/greet", {})
    assert await guarded_text(None, "visitor-1", "/greet{\"x\": 1}") == ('greet{"x": 1}', {"original_text": '/greet{"x": 1}'})
    assert await guarded_text(None, "visitor-1", "/book_session") == ("book_session", {"original_text": "/book_session"})


def test_numbered_choices():
    assert numbered_choice("1", BUTTONS) == "/help"
    assert numbered_choice(" 2. ", BUTTONS) == "Oui"
    assert numbered_choice("3", BUTTONS) is None
    assert numbered_choice("1", []) is None
    assert numbered_choice("12 rue", BUTTONS) is None
    text = numbered_text("Que souhaitez-vous faire ?", BUTTONS)
    assert text.splitlines()[:3] == ["Que souhaitez-vous faire ?", "1. Aide", "2. Oui"]
    assert "/help" not in text


def test_markdown_line_breaks_keep_paragraphs():
    assert markdown_line_breaks("a\nb\n\nc") == "a  \nb\n\nc"


def test_telegram_and_whatsapp_are_on_only_with_their_variables(tmp_path):
    base = {"CAE_ALLOWED_ORIGINS": "https://www.ma-cae.fr, https://autre.example/"}
    channels = credentials.effective_credentials(base, "127.0.0.1", 8000)
    assert set(channels) == {"bot.channels.rest.RestChannel", credentials.SOCKETIO_KEY}
    assert channels[credentials.SOCKETIO_KEY]["session_persistence"] is True
    assert channels[credentials.SOCKETIO_KEY]["cors_allowed_origins"] == ["https://www.ma-cae.fr", "https://autre.example"]

    partial = dict(base, CAE_TELEGRAM_TOKEN="1:x", CAE_TWILIO_ACCOUNT_SID="AC1")
    assert set(credentials.effective_credentials(partial, "127.0.0.1", 8000)) == {"bot.channels.rest.RestChannel", credentials.SOCKETIO_KEY}

    full = dict(base, CAE_TELEGRAM_TOKEN="1:x", CAE_TELEGRAM_BOT_NAME="cae_bot",
                CAE_TELEGRAM_WEBHOOK_URL="https://a.example/webhooks/telegram/webhook",
                CAE_TWILIO_ACCOUNT_SID="AC1", CAE_TWILIO_AUTH_TOKEN="t", CAE_TWILIO_WHATSAPP_NUMBER="+14155238886",
                CAE_TWILIO_WEBHOOK_URL="https://a.example/webhooks/twilio/webhook")
    path = credentials.write_credentials(tmp_path / "credentials.yml", full, "127.0.0.1", 8000)
    written = yaml.safe_load(path.read_text())
    telegram = written[credentials.TELEGRAM_KEY]
    assert telegram["api_base_url"] == "https://api.telegram.org"
    assert len(telegram["secret_token"]) >= 32  # derived from the token when not given
    whatsapp = written[credentials.WHATSAPP_KEY]
    assert whatsapp["twilio_number"] == "whatsapp:+14155238886"
    assert whatsapp["api_base_url"] == "https://api.twilio.com"
    assert path.stat().st_mode & 0o077 == 0


def test_default_origin_is_the_widget_page():
    assert credentials.allowed_origins({}, "127.0.0.1", 8000) == ["http://127.0.0.1:8000", "http://localhost:8000"]


async def test_widget_page_and_static_files():
    async with TestClient(TestServer(create_app(rasa_url="http://rasa.example:5005"))) as client:
        page = await client.get("/")
        assert page.status == 200
        body = await page.text()
        assert "Intégrer l'assistant sur le site de votre CAE" in body
        assert 'data-rasa-url="http://rasa.example:5005"' in body
        assert "&lt;script src=&quot;http://127.0.0.1:" in body  # the snippet is shown, escaped
        loader = await client.get("/static/cae-widget.js")
        assert loader.status == 200
        bundle = await client.get("/static/vendor/rasa-webchat.js")
        assert bundle.status == 200, "node_modules/rasa-webchat missing: run make setup"
        assert "fonts.googleapis.com" not in await bundle.text()


def test_set_webhook_command_registers_url_and_secret(tmp_path):
    import os
    import subprocess
    import sys

    from bot import settings
    from tests.stubs import ChannelStubs, TELEGRAM_SECRET, TELEGRAM_WEBHOOK_URL

    with ChannelStubs() as stand_in:
        env = {**os.environ, **stand_in.env}
        done = subprocess.run([sys.executable, "-m", "bot.channels.telegram", "set-webhook"], cwd=settings.ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        calls = stand_in.replies("telegram.setWebhook")
    assert len(calls) == 1
    assert calls[0].params["url"] == TELEGRAM_WEBHOOK_URL
    assert calls[0].params["secret_token"] == TELEGRAM_SECRET
