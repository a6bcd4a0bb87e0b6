"""What became of each update a messaging service posted (Telegram's
``update_id``, Twilio's ``MessageSid``), so that a retry never makes a duplicate.

Telegram (and Twilio when asked to) posts an update again when the webhook
answers with an error. The webhook answers:

- 200 once the person's message is stored and every reply was sent;
- an error *before* the message is stored (nothing to dedupe: the retry is
  handled as new);
- 503 when the message is stored but some replies could not be sent: the
  update is remembered with those replies, and the retry sends them again
  instead of handing the message to the model a second time;
- 503 while another request is still handling the same update.

The record lives in the process memory, or in Redis when
``CAE_RATE_LIMIT_REDIS_URL`` is set (every Rasa server sees the same
records). Replies kept for sending again hold no recipient (the retried
update carries it) and expire with the record.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Optional, Union

from bot import settings

log = logging.getLogger(__name__)

BUSY = "busy"
DONE = "done"
# A state: None (never seen, now claimed), BUSY, DONE, or the list of replies to send again.
State = Union[None, str, list]

BUSY_SECONDS = 300        # a server that died mid-update frees it after this
REMEMBER_SECONDS = 6 * 3600  # Telegram and Twilio stop retrying well before


class MemoryUpdates:
    def __init__(self) -> None:
        self._records: dict[str, tuple[float, object]] = {}

    def _get(self, key: str, now: float):
        record = self._records.get(key)
        if record is None or record[0] < now:
            self._records.pop(key, None)
            return None
        return record[1]

    def _set(self, key: str, value: object, seconds: float, now: float) -> None:
        self._records[key] = (now + seconds, value)
        if len(self._records) > 100_000:
            for old in [k for k, (until, _) in self._records.items() if until < now]:
                del self._records[old]

    def claim(self, key: str) -> State:
        """None if the update is new (and now marked busy), else what is known of it."""
        now = time.monotonic()
        known = self._get(key, now)
        if known is not None:
            return known
        self._set(key, BUSY, BUSY_SECONDS, now)
        return None

    def finish(self, key: str, undelivered: Optional[list] = None) -> None:
        self._set(key, list(undelivered) if undelivered else DONE, REMEMBER_SECONDS, time.monotonic())

    def forget(self, key: str) -> None:
        self._records.pop(key, None)


class RedisUpdates:
    """The same records in Redis. When Redis cannot be reached, an update is
    handled as new (a rare duplicate rather than a lost message)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    @staticmethod
    def _name(key: str) -> str:
        return f"cae:update:{key}"

    def claim(self, key: str) -> State:
        import redis

        try:
            if self.client.set(self._name(key), BUSY, nx=True, ex=BUSY_SECONDS):
                return None
            raw = self.client.get(self._name(key))
        except redis.RedisError as error:
            log.warning("update store unavailable (%s): update handled as new", error)
            return None
        if raw is None:  # expired in between
            return self.claim(key)
        raw = raw.decode()
        return raw if raw in (BUSY, DONE) else json.loads(raw)

    def finish(self, key: str, undelivered: Optional[list] = None) -> None:
        import redis

        value = json.dumps(list(undelivered)) if undelivered else DONE
        try:
            self.client.set(self._name(key), value, ex=REMEMBER_SECONDS)
        except redis.RedisError as error:
            log.warning("update store unavailable (%s)", error)

    def forget(self, key: str) -> None:
        import redis

        try:
            self.client.delete(self._name(key))
        except redis.RedisError as error:
            log.warning("update store unavailable (%s)", error)


def default_updates():
    url = settings.current().rate_limit_redis_url
    return RedisUpdates(url) if url else MemoryUpdates()


UPDATES = default_updates()


async def handle_update(key: Optional[str], recipient, handle, updates=None) -> int:
    """Run ``handle()`` (hands the message to the doors and the model) at most
    once per update; returns the HTTP status to answer the service with.

    ``recipient`` is the turn's ``RealRecipient`` (it keeps replies it could
    not send)."""
    updates = updates or UPDATES
    known = updates.claim(key) if key else None
    if known == BUSY:
        return 503
    if known == DONE:
        return 200
    if isinstance(known, list):
        left = await recipient.send_again(known)
        updates.finish(key, left)
        return 503 if left else 200
    try:
        await handle()
    except Exception:  # noqa: BLE001 - the message was not stored: let the service retry
        log.exception("message could not be handled (not stored): error answered for a retry")
        if key:
            updates.forget(key)
        return 500
    if key:
        updates.finish(key, recipient.undelivered)
    return 503 if recipient.undelivered else 200
