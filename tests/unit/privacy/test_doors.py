"""Doors of the public channels: message length, rate limit, pseudonymous ids."""
from __future__ import annotations

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


def test_without_redis_messages_go_through():
    limiter = limits.RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/2", limit=1)
    assert limiter.allow("conv") and limiter.allow("conv")
