"""The links to one's data, shown only in the conversation they belong to: a
printable French page ``/mes-donnees/<conversation>.html?t=<expiry>_<HMAC>``
(who we are, what we hold and why, the transcript) and the same content as
one JSON file, ``/mes-donnees/<conversation>.json?t=…`` (bot/privacy/readable.py).

The HMAC covers the conversation, the expiry (``CAE_EXPORT_LINK_HOURS``, 24 by
default) and a random nonce kept for the conversation (table ``export_key``);
erasing the conversation deletes the nonce, so every link given before dies.
The document is built when the link is opened, so it is always current."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import quote

from bot import settings, signing
from bot.privacy import export_data
from bot.storage.db import Database
from bot.storage.models import ExportKey, as_utc, utcnow
from bot.transcripts import TrackerReader

EXPORT_PATH = "/mes-donnees/{conversation}.json"
PAGE_PATH = "/mes-donnees/{conversation}.html"


def link_lifetime() -> timedelta:
    return timedelta(hours=settings.current().export_link_hours)


def _nonce(db: Database, conversation_id: str, create: bool) -> Optional[str]:
    def work(s) -> Optional[str]:
        row = s.get(ExportKey, conversation_id)
        if row is None and create:
            row = ExportKey(conversation_id=conversation_id, nonce=secrets.token_hex(16), created_at=utcnow())
            s.add(row)
        return row.nonce if row is not None else None

    if not create:
        with db.reader() as s:
            return work(s)
    return db.run(work)


def _signature(conversation_id: str, expires: int, nonce: str) -> str:
    return signing.sign(f"export:{conversation_id}:{expires}:{nonce}")


def export_token(db: Database, conversation_id: str, now: Optional[datetime] = None) -> str:
    now = as_utc(now) if now else utcnow()
    expires = int((now + link_lifetime()).timestamp())
    return f"{expires}_{_signature(conversation_id, expires, _nonce(db, conversation_id, create=True))}"


def check_export_token(db: Database, conversation_id: str, token: str,
                       now: Optional[datetime] = None) -> bool:
    """True for a token made for this conversation, not expired, not erased since."""
    now = as_utc(now) if now else utcnow()
    expires, _, signature = (token or "").partition("_")
    if not expires.isdigit() or int(expires) <= now.timestamp():
        return False
    nonce = _nonce(db, conversation_id, create=False)
    if nonce is None:
        return False
    return signing.check(signature, _signature(conversation_id, int(expires), nonce))


def export_url(db: Database, conversation_id: str, page: bool = False) -> str:
    """The JSON file's address, or the readable page's (``page``)."""
    path = (PAGE_PATH if page else EXPORT_PATH).format(conversation=quote(conversation_id, safe=""))
    return signing.url(None, path, export_token(db, conversation_id))


def export_document(db: Database, conversation_id: str, token: str) -> Optional[dict[str, Any]]:
    """The person's data (bot.privacy.export_data) when ``token`` is a live link
    for this conversation, else None. Served by bot/web/data_export.py."""
    if not check_export_token(db, conversation_id, token):
        return None
    reader = TrackerReader()
    try:
        return export_data(db, reader, conversation_id)
    finally:
        reader.dispose()
