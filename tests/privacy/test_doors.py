"""Doors of the public channels: message length, rate limit, pseudonymous ids."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import limits
from bot.servers import free_port


async def test_long_and_fast_messages_are_answered_politely_and_stop_there(monkeypatch):
    monkeypatch.setenv("CAE_MAX_MESSAGE_CHARS", "50")
    monkeypatch.setenv("CAE_RATE_LIMIT_PER_MINUTE", "3")
    monkeypatch.setattr(limits, "LIMITER", limits.RateLimiter())
    reached = []

    async def model(message):
        reached.append(message.text)

    handle = limits.guarded(model)
    out = CollectingOutputChannel()
    await handle(UserMessage("x" * 51, out, "conv-1"))
    assert reached == [] and "trop long" in out.messages[-1]["text"]
    for n in range(3):
        await handle(UserMessage(f"message {n}", out, "conv-2"))
    await handle(UserMessage("encore", out, "conv-2"))
    assert reached == ["message 0", "message 1", "message 2"]
    assert "très vite" in out.messages[-1]["text"]
    await handle(UserMessage("bonjour", out, "conv-3"))  # other conversations are not slowed down
    assert reached[-1] == "bonjour"


def test_rate_limit_window_slides():
    limiter = limits.RateLimiter(limit=2, window=60)
    assert limiter.allow("a", now=0) and limiter.allow("a", now=1)
    assert not limiter.allow("a", now=2)
    assert limiter.allow("a", now=61.5)


def test_pseudonyms_are_stable_keyed_and_say_nothing(monkeypatch):
    monkeypatch.setenv("CAE_ID_HASH_KEY", "key-one")
    first = limits.pseudonym("whatsapp", "whatsapp:+33612345678")
    assert first == limits.pseudonym("whatsapp", "whatsapp:+33612345678")
    assert first.startswith("whatsapp-") and "612345678" not in first
    assert first != limits.pseudonym("telegram", "whatsapp:+33612345678")
    monkeypatch.setenv("CAE_ID_HASH_KEY", "key-two")
    assert first != limits.pseudonym("whatsapp", "whatsapp:+33612345678")


async def test_replies_go_to_the_real_recipient():
    out = CollectingOutputChannel()
    wrapped = limits.RealRecipient(out, "telegram-abc", "123456")
    await wrapped.send_response("telegram-abc", {"text": "Bonjour"})
    assert out.messages[-1]["recipient_id"] == "123456"
    assert wrapped.name() == out.name()


@pytest.fixture
def redis_url(tmp_path):
    """A throw-away Redis server (Debian's redis-server, installed by the set-up)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: scripts/system_deps.sh installs it")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/2"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(10)


def test_servers_share_one_count_per_conversation_through_redis(redis_url):
    first, second = (limits.RedisRateLimiter(redis_url, limit=3, window=60) for _ in range(2))
    assert [first.allow("conv", now=100), second.allow("conv", now=101), first.allow("conv", now=102)] \
        == [True, True, True]
    assert not second.allow("conv", now=103) and not first.allow("conv", now=104)
    assert second.allow("other-conv", now=104)  # other conversations are not slowed down
    assert first.allow("conv", now=160.5)  # the first message left the window


def test_the_setting_chooses_redis(monkeypatch, redis_url):
    monkeypatch.setenv("CAE_RATE_LIMIT_REDIS_URL", redis_url)
    assert isinstance(limits.default_limiter(), limits.RedisRateLimiter)
    monkeypatch.delenv("CAE_RATE_LIMIT_REDIS_URL")
    assert isinstance(limits.default_limiter(), limits.RateLimiter)


def test_without_redis_messages_go_through():
    limiter = limits.RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/2", limit=1)
    assert limiter.allow("conv") and limiter.allow("conv")


def test_address_and_global_counts_are_shared_through_redis(redis_url, monkeypatch):
    monkeypatch.setenv("CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "2")
    monkeypatch.setenv("CAE_RATE_LIMIT_GLOBAL_PER_MINUTE", "3")
    first, second = (limits.RedisRateLimiter(redis_url) for _ in range(2))
    assert limits.refusal("conv-a", "x", first, address="192.0.2.1") is None
    assert limits.refusal("conv-b", "x", second, address="192.0.2.1") is None
    # A third conversation from the same address, on the other server: refused.
    assert limits.refusal("conv-c", "x", first, address="192.0.2.1") == limits.TOO_MANY_FROM_ADDRESS
    assert limits.refusal("conv-d", "x", second, address="192.0.2.2") is None
    assert limits.refusal("conv-e", "x", first, address="192.0.2.3") == limits.TOO_BUSY


def test_update_records_are_shared_through_redis(redis_url):
    from bot.channels import delivery

    first, second = delivery.RedisUpdates(redis_url), delivery.RedisUpdates(redis_url)
    assert first.claim("telegram:1") is None
    assert second.claim("telegram:1") == delivery.BUSY  # the other server is on it
    first.finish("telegram:1", [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}])
    assert second.claim("telegram:1") == [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]
    second.finish("telegram:1")
    assert first.claim("telegram:1") == delivery.DONE
    first.forget("telegram:1")
    assert second.claim("telegram:1") is None
    # Redis down: the update is handled as new rather than lost.
    assert delivery.RedisUpdates(f"redis://127.0.0.1:{free_port()}/2").claim("telegram:2") is None
