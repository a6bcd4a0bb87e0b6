"""Channel doors without a model: text normalisation, strict REST input,
client addresses, and "success" only for a stored message (Telegram, WhatsApp),
each channel class served by a real Sanic server with a stand-in model."""
from __future__ import annotations

import itertools
import json
import unicodedata
import urllib.parse

import aiohttp
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from bot.channels import delivery, limits
from bot.channels.guard import normalised_text
from bot.channels.rest import Refused, RestChannel, checked_body
from bot.channels.socketio import address_of_environ, metadata_of, session_of
from bot.channels.telegram import TelegramChannel
from bot.channels.whatsapp import WhatsAppChannel
from bot.servers import free_port
from tests import stubs
from tests.support import serving

_ids = itertools.count(900000001)


# -- normalisation ----------------------------------------------------------
def test_normalised_text_examples():
    assert normalised_text("a\ud800b") == "a\ufffdb"
    assert normalised_text("\x00\x01bon\x7fjour\x9b") == "bonjour"
    assert normalised_text("l1\r\nl2\rl3\tfin") == "l1\nl2\nl3\tfin"
    assert normalised_text("e\u0301te\u0301") == "été"
    assert normalised_text("🙂 \u200d\u202e") == "🙂 \u200d\u202e"  # format characters are kept
    assert normalised_text(None) == "" and normalised_text(["x"]) == ""


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=st.characters(blacklist_categories=())))
@example("\ud800")
@example("\udfff\x00\u0301")
def test_normalised_text_is_valid_clean_nfc_and_stable(text):
    clean = normalised_text(text)
    clean.encode("utf-8")  # no lone surrogate left
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in clean)
    assert unicodedata.is_normalized("NFC", clean)
    assert normalised_text(clean) == clean


# -- REST input -------------------------------------------------------------
@pytest.mark.parametrize("raw, code", [
    (b"", "not_json"), (b"[1, 2]", "not_an_object"), (b'"bonjour"', "not_an_object"), (b"\xff\xfe", "not_json"),
    (b"[" * 100_000, "not_json"),
    (b'{"message": "bonjour"}', "bad_sender"), (b'{"sender": 12, "message": "bonjour"}', "bad_sender"),
    (json.dumps({"sender": "a" * 129, "message": "x"}).encode(), "bad_sender"),
    (b'{"sender": "a b", "message": "x"}', "bad_sender"), (b'{"sender": "\\u00e9", "message": "x"}', "bad_sender"),
    (b'{"sender": "abc"}', "bad_message"), (b'{"sender": "abc", "message": ["x"]}', "bad_message"),
    (json.dumps({"sender": "abc", "message": "x" * 2001}).encode(), "too_long"),
    (b'{"sender": "abc", "message": "x", "metadata": "y"}', "bad_metadata"),
])
def test_rest_bodies_refused(raw, code):
    refused = checked_body(raw)
    assert isinstance(refused, Refused) and refused[0] == code
    assert refused[1][0].isupper() and ("doit" in refused[1] or "obligatoire" in refused[1] or "trop long" in refused[1])


def test_rest_body_accepted_and_normalised():
    sender = "user-1_a.b:c@d" + "x" * 114
    assert checked_body(json.dumps({"sender": sender, "message": "\ud800\x00ok", "metadata": {"a": 1}}).encode()) \
        == (sender, "\ufffdok", {"a": 1})


# -- client address ---------------------------------------------------------
def test_client_address_trusts_forwarded_for_only_from_a_trusted_proxy(monkeypatch):
    proxies = limits.trusted_proxies({"CAE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, nonsense"})
    assert limits.client_address("127.0.0.1", "1.2.3.4, 5.6.7.8", proxies) == "5.6.7.8"
    assert limits.client_address("10.1.2.3", "9.9.9.9", proxies) == "9.9.9.9"
    assert limits.client_address("203.0.113.9", "5.6.7.8", proxies) == "203.0.113.9"  # not a proxy: ignored
    assert limits.client_address("127.0.0.1", "garbage", proxies) == "127.0.0.1"
    assert limits.client_address("127.0.0.1", "5.6.7.8", []) == "127.0.0.1"
    monkeypatch.setenv("CAE_TRUSTED_PROXIES", "127.0.0.1")
    assert limits.client_address("127.0.0.1", "5.6.7.8") == "5.6.7.8"
    monkeypatch.delenv("CAE_TRUSTED_PROXIES")
    assert limits.client_address("127.0.0.1", "5.6.7.8") == "127.0.0.1"


def test_socketio_checks():
    assert session_of({"session_id": "a" * 32}) == "a" * 32
    assert session_of({"session_id": "a" * 100_000}) is None
    assert session_of({"session_id": ["x"]}) is None and session_of("x") is None
    assert metadata_of({"customData": '{"a": 1}'}, "customData") == {"a": 1}
    assert metadata_of({"customData": "{oops"}, "customData") == {}
    assert metadata_of({"customData": [1]}, "customData") == {}

    class Req:
        ip = "127.0.0.1"

    environ = {"sanic.request": Req(), "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert address_of_environ(environ) == "127.0.0.1"


# -- REST channel, served ---------------------------------------------------
class Model:
    """Stand-in for Rasa's handler: answers, then 'stores' the turn (as Rasa
    saves the tracker after sending the replies)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.stored = fail, []

    async def __call__(self, message: UserMessage) -> None:
        if self.fail:
            raise RuntimeError("tracker store down")
        await message.output_channel.send_response(message.sender_id, {"text": f"Reçu : {message.text}"})
        self.stored.append((message.sender_id, message.text))


async def post(url: str, data: bytes, headers: dict | None = None) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=data, headers=headers or {}) as reply:
            text = await reply.text()
            try:
                return reply.status, json.loads(text)
            except ValueError:
                return reply.status, text


@pytest.fixture
def fresh_limits(monkeypatch):
    monkeypatch.setattr(limits, "LIMITER", limits.RateLimiter())
    monkeypatch.setattr(delivery, "UPDATES", delivery.MemoryUpdates())


async def test_rest_answers_400_413_and_503_in_french(fresh_limits):
    model = Model()
    async with serving(RestChannel().blueprint(model), "/webhooks/rest") as url:
        for raw in (b"", b"[1]", b'"x"', json.dumps({"sender": "s" * 100_000, "message": "x"}).encode()):
            status, body = await post(f"{url}/webhook", raw)
            assert status in (400, 413) and body["message"], (raw[:20], status, body)
        status, body = await post(f"{url}/webhook", b'{"sender": "a", "message": "' + b"x" * 20_000_000 + b'"}')
        assert status == 413 and "trop volumineux" in body["message"]
        status, body = await post(f"{url}/webhook", json.dumps({"sender": "a", "message": "x\ud800"}).encode())
        assert status == 200 and body == [{"recipient_id": "a", "text": "Reçu : x\ufffd"}]
        assert model.stored == [("a", "x\ufffd")]

    async with serving(RestChannel().blueprint(Model(fail=True)), "/webhooks/rest") as url:
        status, body = await post(f"{url}/webhook", b'{"sender": "a", "message": "bonjour"}')
        assert status == 503 and "renvoyer" in body["message"]


async def test_rest_limits_per_address_and_for_everyone(fresh_limits, monkeypatch):
    monkeypatch.setenv("CAE_TRUSTED_PROXIES", "127.0.0.1")
    monkeypatch.setenv("CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "3")
    monkeypatch.setenv("CAE_RATE_LIMIT_GLOBAL_PER_MINUTE", "5")
    model = Model()
    async with serving(RestChannel().blueprint(model), "/webhooks/rest") as url:
        async def say(sender: str, address: str) -> str:
            body = json.dumps({"sender": sender, "message": "bonjour"}).encode()
            status, replies = await post(f"{url}/webhook", body, {"X-Forwarded-For": f"10.0.0.1, {address}"})
            assert status == 200
            return replies[0]["text"]

        # A new conversation id for each message does not get round the per-address limit.
        said = [await say(f"rotating-{n}", "192.0.2.1") for n in range(4)]
        assert said[:3] == ["Reçu : bonjour"] * 3 and "votre connexion" in said[3]
        # Another address still gets through, until the whole server's limit.
        assert [await say(f"other-{n}", "192.0.2.2") for n in range(2)] == ["Reçu : bonjour"] * 2
        assert "énormément de messages" in await say("third", "192.0.2.3")
    assert len(model.stored) == 5


def test_a_refused_message_is_not_counted_by_the_next_limits(monkeypatch):
    monkeypatch.setenv("CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "10")
    monkeypatch.setenv("CAE_RATE_LIMIT_PER_MINUTE", "4")
    monkeypatch.setenv("CAE_RATE_LIMIT_GLOBAL_PER_MINUTE", "100")
    limiter = limits.RateLimiter(window=60)
    answers = [limits.refusal("c1", "x", limiter, address="a1") for _ in range(20)]
    assert answers[:4] == [None] * 4
    assert set(answers[4:10]) == {limits.TOO_FAST} and set(answers[10:]) == {limits.TOO_MANY_FROM_ADDRESS}
    assert (len(limiter.seen["addr:a1"]), len(limiter.seen["conv:c1"]), len(limiter.seen["global"])) == (10, 4, 4)
    # Without an address (Telegram, WhatsApp) only the conversation and the server count.
    assert limits.refusal("c2", "x", limiter) is None and "addr:None" not in limiter.seen


# -- Telegram and WhatsApp: "success" only for what was stored --------------
def telegram_update(chat_id: int, text: str, update_id: int | None = None) -> bytes:
    update_id = update_id or next(_ids)
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id % 1000, "date": 1763860000, "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Camille"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Camille"}}}).encode()


def telegram_channel(api_url: str) -> TelegramChannel:
    return TelegramChannel(stubs.TELEGRAM_TOKEN, stubs.TELEGRAM_BOT_NAME, stubs.TELEGRAM_WEBHOOK_URL,
                           secret_token=stubs.TELEGRAM_SECRET, api_base_url=api_url)


TELEGRAM_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": stubs.TELEGRAM_SECRET, "Content-Type": "application/json"}


async def test_telegram_unreachable_is_an_error_and_the_retry_sends_without_duplicate(fresh_limits, channel_stubs):
    model = Model()
    channel = telegram_channel(f"{channel_stubs.url}/telegram")
    update = telegram_update(4242, "bonjour")
    async with serving(channel.blueprint(model), "/webhooks/telegram") as url:
        channel_stubs.failing = True
        try:
            status, _ = await post(f"{url}/webhook", update, TELEGRAM_HEADERS)
        finally:
            channel_stubs.failing = False
        assert status == 503  # Telegram will post the same update again
        assert len(model.stored) == 1  # ... but the message is already stored
        mark = len(channel_stubs.calls)
        status, _ = await post(f"{url}/webhook", update, TELEGRAM_HEADERS)
        assert status == 200
        assert len(model.stored) == 1  # not handed to the model twice
        sent = channel_stubs.replies("telegram.sendMessage", mark)
        assert [(int(c.params["chat_id"]), c.params["text"]) for c in sent] == [(4242, "Reçu : bonjour")]
        # A third delivery of the same update does nothing more.
        mark = len(channel_stubs.calls)
        assert (await post(f"{url}/webhook", update, TELEGRAM_HEADERS))[0] == 200
        assert not channel_stubs.calls[mark:] and len(model.stored) == 1
    await channel.get_output_channel().close()


async def test_telegram_api_down_entirely(fresh_limits):
    model = Model()
    channel = telegram_channel(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    async with serving(channel.blueprint(model), "/webhooks/telegram") as url:
        status, _ = await post(f"{url}/webhook", telegram_update(4243, "bonjour"), TELEGRAM_HEADERS)
    assert status == 503 and len(model.stored) == 1
    await channel.get_output_channel().close()


async def test_telegram_failure_before_storing_is_retried_as_new(fresh_limits, channel_stubs):
    model = Model(fail=True)
    channel = telegram_channel(f"{channel_stubs.url}/telegram")
    update = telegram_update(4244, "bonjour\x00 \ud800")
    async with serving(channel.blueprint(model), "/webhooks/telegram") as url:
        assert (await post(f"{url}/webhook", update, TELEGRAM_HEADERS))[0] == 500
        model.fail = False
        assert (await post(f"{url}/webhook", update, TELEGRAM_HEADERS))[0] == 200
        assert model.stored == [(limits.pseudonym("telegram", 4244), "bonjour \ufffd")]
        huge = telegram_update(4244, "x" * 100_000)
        assert (await post(f"{url}/webhook", huge, TELEGRAM_HEADERS))[0] == 413
    await channel.get_output_channel().close()


def twilio_post(form: dict) -> tuple[bytes, dict]:
    signature = RequestValidator(stubs.TWILIO_TOKEN).compute_signature(stubs.TWILIO_WEBHOOK_URL, form)
    return urllib.parse.urlencode(form).encode(), {"X-Twilio-Signature": signature,
                                                     "Content-Type": "application/x-www-form-urlencoded"}


async def test_whatsapp_unreachable_is_an_error_and_the_retry_sends_without_duplicate(fresh_limits, channel_stubs):
    model = Model()
    channel = WhatsAppChannel(stubs.TWILIO_SID, stubs.TWILIO_TOKEN, stubs.TWILIO_NUMBER,
                              webhook_url=stubs.TWILIO_WEBHOOK_URL, api_base_url=f"{channel_stubs.url}/twilio")
    sender = "whatsapp:+33600000001"
    data, headers = twilio_post({"MessageSid": f"SM{next(_ids):032x}", "From": sender, "Body": "bonjour\r\n\x00?",
                                 "To": stubs.TWILIO_NUMBER, "AccountSid": stubs.TWILIO_SID})
    async with serving(channel.blueprint(model), "/webhooks/twilio") as url:
        channel_stubs.failing = True
        try:
            assert (await post(f"{url}/webhook", data, headers))[0] == 503
        finally:
            channel_stubs.failing = False
        assert model.stored == [(limits.pseudonym("whatsapp", sender), "bonjour\n?")]
        mark = len(channel_stubs.calls)
        assert (await post(f"{url}/webhook", data, headers))[0] == 204
        assert len(model.stored) == 1
        assert [c.params["Body"] for c in channel_stubs.replies("twilio.messages", mark)] == ["Reçu : bonjour\n?"]

        model.fail = True
        data, headers = twilio_post({"MessageSid": f"SM{next(_ids):032x}", "From": sender, "Body": "encore"})
        assert (await post(f"{url}/webhook", data, headers))[0] == 500
        big, headers = twilio_post({"MessageSid": "SMx", "From": sender, "Body": "x" * 70_000})
        assert (await post(f"{url}/webhook", big, headers))[0] == 413
        long_sender, headers = twilio_post({"MessageSid": "SMy", "From": "w" * 5000, "Body": "x"})
        assert (await post(f"{url}/webhook", long_sender, headers))[0] == 400


def test_memory_update_records():
    updates = delivery.MemoryUpdates()
    assert updates.claim("t:1") is None
    assert updates.claim("t:1") == delivery.BUSY
    updates.finish("t:1", [{"text": "x"}])
    assert updates.claim("t:1") == [{"text": "x"}]
    updates.finish("t:1")
    assert updates.claim("t:1") == delivery.DONE
    updates.forget("t:1")
    assert updates.claim("t:1") is None


# -- widget (socket.io) -----------------------------------------------------
async def test_widget_message_checked_normalised_and_failure_said(fresh_limits):
    import asyncio

    import socketio

    from bot.channels.socketio import NOT_HANDLED, SocketIOChannel

    model = Model()
    channel = SocketIOChannel.from_credentials({"session_persistence": True,
                                                "cors_allowed_origins": ["http://widget.example"]})
    async with serving(channel.blueprint(model), "/webhooks/socketio") as url:
        base = url.rsplit("/webhooks", 1)[0]
        client = socketio.AsyncClient()
        said: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: said.put_nowait(data))
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await client.connect(base, headers={"Origin": "http://widget.example"}, transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": "a" * 1000})
            session = await asyncio.wait_for(confirmed.get(), 10)
            assert len(session) == 32  # a fresh one, not the one offered
            await client.emit("user_uttered", {"session_id": "bad id!", "message": "ignoré"})
            await client.emit("user_uttered", {"session_id": session, "message": ["pas un texte"]})
            await client.emit("user_uttered", {"session_id": session, "message": "salut\ud800\x00"})
            reply = await asyncio.wait_for(said.get(), 10)
            assert reply["text"] == "Reçu : salut\ufffd"
            assert model.stored == [(session, "salut\ufffd")]
            model.fail = True
            await client.emit("user_uttered", {"session_id": session, "message": "encore"})
            assert (await asyncio.wait_for(said.get(), 10))["text"] == NOT_HANDLED
        finally:
            # The polling client's own disconnect waits for its long poll (30 s).
            await channel.sio.shutdown()
            await client.eio.disconnect(abort=True)
