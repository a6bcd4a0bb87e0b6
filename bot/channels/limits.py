"""Doors of the public channels: a maximum message length, a per-conversation
rate limit, and pseudonymous conversation ids for messaging apps.

``guarded(on_new_message, ...)`` wraps the function a channel calls for each
message: a message too long or too fast gets a polite French answer and never
reaches the model. The rate limit is kept in the memory of the Rasa process, or
in Redis when ``CAE_RATE_LIMIT_REDIS_URL`` is set (the production profile), so
that several servers behind a load balancer share one count per conversation.

Telegram chat ids and WhatsApp numbers are replaced by a keyed hash
(HMAC-SHA256, key ``CAE_ID_HASH_KEY`` or generated once into
``var/id_hash_key``): the tracker store and the dashboard never see the raw id;
the real id is kept only in memory for the time of the request, to answer.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from bot import settings

log = logging.getLogger(__name__)

TOO_LONG = ("Votre message est trop long ({length} caractères ; {limit} au plus). "
            "Pouvez-vous le raccourcir ?")
TOO_FAST = ("Vous m'écrivez très vite ! Patientez quelques secondes avant votre prochain "
            "message, s'il vous plaît.")


def max_chars() -> int:
    return int(os.environ.get("CAE_MAX_MESSAGE_CHARS") or 2000)


def per_minute() -> int:
    return int(os.environ.get("CAE_RATE_LIMIT_PER_MINUTE") or 30)


class RateLimiter:
    def __init__(self, limit: Optional[int] = None, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque] = defaultdict(deque)

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        limit = self.limit or per_minute()
        times = self.seen[key]
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        if len(self.seen) > 100_000:  # forget idle conversations
            for idle in [k for k, v in self.seen.items() if not v or now - v[-1] > self.window]:
                del self.seen[idle]
        return True


class RedisRateLimiter:
    """The same sliding window, shared by every process: one sorted set of message
    times per conversation. When Redis cannot be reached, messages go through
    (a conversation never breaks because of its doorman) and a warning is logged."""

    def __init__(self, url: str, limit: Optional[int] = None, window: float = 60.0) -> None:
        import redis

        self.limit, self.window = limit, window
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        import redis

        now = time.time() if now is None else now
        name, member = f"cae:rate:{key}", f"{now}:{uuid.uuid4().hex}"
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.zremrangebyscore(name, "-inf", now - self.window)
            pipe.zadd(name, {member: now})
            pipe.zcard(name)
            pipe.expire(name, int(self.window) + 1)
            count = pipe.execute()[2]
            if count <= (self.limit or per_minute()):
                return True
            self.client.zrem(name, member)  # a refused message does not prolong the wait
            return False
        except redis.RedisError as error:
            log.warning("rate limit store unavailable (%s): message let through", error)
            return True


def default_limiter():
    url = os.environ.get("CAE_RATE_LIMIT_REDIS_URL", "").strip()
    return RedisRateLimiter(url) if url else RateLimiter()


LIMITER = default_limiter()


def refusal(sender_id: str, text: Optional[str], limiter=None) -> Optional[str]:
    """The French answer when the message must not go further, else None."""
    length = len(text or "")
    if length > max_chars():
        return TOO_LONG.format(length=f"{length:,}".replace(",", "\u202f"),
                               limit=f"{max_chars():,}".replace(",", "\u202f"))
    if not (limiter or LIMITER).allow(sender_id):
        return TOO_FAST
    return None


def _key() -> bytes:
    configured = os.environ.get("CAE_ID_HASH_KEY", "").strip()
    if configured:
        return configured.encode()
    path = Path(settings.VAR_DIR) / "id_hash_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(os.urandom(32).hex())
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def pseudonym(channel: str, raw_id: Any) -> str:
    """``telegram-<32 hex>``: the same person always gets the same id, which says
    nothing about their chat id or phone number without the key."""
    digest = hmac.new(_key(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{channel}-{digest}"


class RealRecipient:
    """An output channel that answers the real chat id / number while Rasa only
    knows the pseudonym (Rasa sends every reply through ``send_response``)."""

    def __init__(self, inner: Any, pseudonymous_id: str, real_id: str) -> None:
        self._inner, self._pseudonym, self._real = inner, pseudonymous_id, real_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _recipient(self, recipient_id: str) -> str:
        return self._real if recipient_id == self._pseudonym else recipient_id

    async def send_response(self, recipient_id: str, message: dict) -> None:
        await self._inner.send_response(self._recipient(recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._inner.send_text_message(self._recipient(recipient_id), text, **kwargs)


Handler = Callable[[UserMessage], Awaitable[Any]]


def guarded(on_new_message: Handler) -> Handler:
    async def handle(message: UserMessage) -> None:
        answer = refusal(message.sender_id, message.text)
        if answer is not None:
            await message.output_channel.send_text_message(message.sender_id, answer)
            return
        await on_new_message(message)

    return handle
