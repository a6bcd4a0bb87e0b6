"""Doors of the public channels: a maximum message length, rate limits (per
conversation, per client address and for the whole server), and pseudonymous
conversation ids for messaging apps.

``guarded(on_new_message, ...)`` wraps the function a channel calls for each
message: a message too long or too fast gets a polite French answer and never
reaches the model. The counts are kept in the memory of the Rasa process, or
in Redis when ``CAE_RATE_LIMIT_REDIS_URL`` is set (the production profile), so
that several servers behind a load balancer share them.

The client address is the peer's, or the last hop of ``X-Forwarded-For`` when
the peer is one of ``CAE_TRUSTED_PROXIES`` (comma-separated addresses or
networks). Telegram and WhatsApp posts come from those services, not from the
person: they have no per-address limit (their ids cannot be chosen freely).

Telegram chat ids and WhatsApp numbers are replaced by a keyed hash
(HMAC-SHA256, key ``CAE_ID_HASH_KEY`` or generated once into
``var/id_hash_key``): the tracker store and the dashboard never see the raw id;
the real id is kept only in memory for the time of the request, to answer.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import ipaddress
import logging
import time
import uuid
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from bot import settings

log = logging.getLogger(__name__)

TOO_LONG = ("Votre message est trop long ({length} caractères ; {limit} au plus). "
            "Pouvez-vous le raccourcir ?")
TOO_FAST = ("Vous m'écrivez très vite ! Patientez quelques secondes avant votre prochain "
            "message, s'il vous plaît.")
TOO_MANY_FROM_ADDRESS = ("Beaucoup de messages arrivent de votre connexion en ce moment. "
                         "Patientez une minute avant de réessayer, s'il vous plaît.")
TOO_BUSY = ("Je reçois énormément de messages en ce moment. Pouvez-vous réessayer "
            "dans une minute ? Merci de votre patience.")


def max_chars() -> int:
    return settings.current().max_message_chars


def per_minute() -> int:
    return settings.current().rate_limit_per_minute


def per_address_per_minute() -> int:
    return settings.current().rate_limit_per_address_per_minute


def global_per_minute() -> int:
    return settings.current().rate_limit_global_per_minute


def trusted_proxies(env=None) -> list:
    """``CAE_TRUSTED_PROXIES``: addresses (or networks) of the proxies whose
    ``X-Forwarded-For`` last hop is believed."""
    found = []
    for item in settings.current(env).trusted_proxies.split(","):
        if item.strip():
            try:
                found.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                log.warning("CAE_TRUSTED_PROXIES: %r is not an address, ignored", item.strip())
    return found


def _address(text: Optional[str]):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_address(peer: Optional[str], forwarded_for: Optional[str], trusted: Optional[list] = None) -> str:
    """The client's address: the peer, or the last hop of ``X-Forwarded-For``
    when the peer is a trusted proxy (the hop that proxy added itself)."""
    peer_ip = _address(peer)
    trusted = trusted_proxies() if trusted is None else trusted
    if peer_ip is not None and forwarded_for and any(peer_ip in net for net in trusted):
        last = _address(forwarded_for.split(",")[-1])
        if last is not None:
            return str(last)
    return str(peer_ip) if peer_ip is not None else (peer or "unknown")


class RateLimiter:
    """A sliding window of message times per key, in this process's memory.
    ``limit`` is the default when ``allow`` is given none."""

    def __init__(self, limit: Optional[int] = None, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque] = defaultdict(deque)

    def allow(self, key: str, now: Optional[float] = None, limit: Optional[int] = None) -> bool:
        now = time.monotonic() if now is None else now
        limit = limit or self.limit or per_minute()
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

    def allow(self, key: str, now: Optional[float] = None, limit: Optional[int] = None) -> bool:
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
            if count <= (limit or self.limit or per_minute()):
                return True
            self.client.zrem(name, member)  # a refused message does not prolong the wait
            return False
        except redis.RedisError as error:
            log.warning("rate limit store unavailable (%s): message let through", error)
            return True


def default_limiter():
    url = settings.current().rate_limit_redis_url
    return RedisRateLimiter(url) if url else RateLimiter()


LIMITER = default_limiter()


def too_long(text: Optional[str]) -> Optional[str]:
    """The French answer to a message over ``CAE_MAX_MESSAGE_CHARS``, else None."""
    length = len(text or "")
    if length > max_chars():
        return TOO_LONG.format(length=f"{length:,}".replace(",", "\u202f"),
                               limit=f"{max_chars():,}".replace(",", "\u202f"))
    return None


def refusal(sender_id: str, text: Optional[str], limiter=None, address: Optional[str] = None) -> Optional[str]:
    """The French answer when the message must not go further, else None.

    The address is counted first (changing the conversation id does not help),
    then the conversation, then the whole server; a message refused by one
    count is not counted by the next ones."""
    answer = too_long(text)
    if answer is not None:
        return answer
    limiter = limiter or LIMITER
    if address and not limiter.allow(f"addr:{address}", limit=per_address_per_minute()):
        return TOO_MANY_FROM_ADDRESS
    if not limiter.allow(f"conv:{sender_id}", limit=per_minute()):
        return TOO_FAST
    if not limiter.allow("global", limit=global_per_minute()):
        return TOO_BUSY
    return None


def _key() -> bytes:
    return settings.secret("id_hash_key").encode()


def pseudonym(channel: str, raw_id: Any) -> str:
    """``telegram-<32 hex>``: the same person always gets the same id, which says
    nothing about their chat id or phone number without the key."""
    digest = hmac.new(_key(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{channel}-{digest}"


class RealRecipient:
    """An output channel that answers the real chat id / number while Rasa only
    knows the pseudonym (Rasa sends every reply through ``send_response``).

    A reply that cannot be sent (the messaging service unreachable or refusing)
    does not stop the turn: Rasa still stores the person's message and the
    assistant's answer, and the reply is kept in ``undelivered`` (after a first
    failure, the following replies of the turn are kept without trying), for
    the webhook to answer with an error and send them again when the service
    retries the same update."""

    def __init__(self, inner: Any, pseudonymous_id: str, real_id: str) -> None:
        self._inner, self._pseudonym, self._real = inner, pseudonymous_id, real_id
        self.undelivered: list[dict] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _recipient(self, recipient_id: str) -> str:
        return self._real if recipient_id == self._pseudonym else recipient_id

    async def send_response(self, recipient_id: str, message: dict) -> None:
        kept = copy.deepcopy(message)  # Rasa's output channels pop keys from it
        if self.undelivered:
            self.undelivered.append(kept)
            return
        try:
            await self._inner.send_response(self._recipient(recipient_id), message)
        except Exception as error:  # noqa: BLE001 - any failure of the service
            log.warning("reply not delivered (%s): kept to send again", type(error).__name__)
            self.undelivered.append(kept)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_again(self, messages: list[dict]) -> list[dict]:
        """Send replies kept by an earlier attempt; returns those still not sent."""
        for index, message in enumerate(messages):
            try:
                await self._inner.send_response(self._real, copy.deepcopy(message))
            except Exception as error:  # noqa: BLE001
                log.warning("reply still not delivered (%s)", type(error).__name__)
                return list(messages[index:])
        return []


Handler = Callable[[UserMessage], Awaitable[Any]]


def guarded(on_new_message: Handler) -> Callable[..., Awaitable[Any]]:
    """``handle(message, address=None)``: the doors, then the model.
    Returns True when the message went to the model, False when refused."""

    async def handle(message: UserMessage, address: Optional[str] = None) -> bool:
        answer = refusal(message.sender_id, message.text, address=address)
        if answer is not None:
            await message.output_channel.send_text_message(message.sender_id, answer)
            return False
        await on_new_message(message)
        return True

    return handle
