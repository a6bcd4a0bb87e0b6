"""The channels' doors shared through Redis (production: two Rasa servers),
against a throw-away redis-server."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from bot.channels import limits
from bot.servers import free_port


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
