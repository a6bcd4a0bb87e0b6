"""The link to download one's data (one JSON file), shown only in the conversation
it belongs to: ``/mes-donnees/<conversation>.json?t=<expiry>_<HMAC>``.

The HMAC covers the conversation, the expiry (``CAE_EXPORT_LINK_HOURS``, 24 by
default) and a random nonce kept for the conversation (table ``export_key``);
erasing the conversation deletes the nonce, so every link given before dies.
The document is built when the link is opened, so it is always current."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import datetime, timedelta
from typing import Optional
from urllib.parse import quote

from aiohttp import web

from bot.booking.links import link_secret, public_web_url
from bot.storage.db import Database, get_database
from bot.storage.models import ExportKey, as_utc, utcnow
from bot.transcripts import TrackerReader

EXPORT_PATH = "/mes-donnees/{conversation}.json"


def link_lifetime() -> timedelta:
    return timedelta(hours=float(os.environ.get("CAE_EXPORT_LINK_HOURS") or 24))


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
    message = f"export:{conversation_id}:{expires}:{nonce}".encode()
    return hmac.new(link_secret(), message, hashlib.sha256).hexdigest()[:32]


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
    return hmac.compare_digest(signature, _signature(conversation_id, int(expires), nonce))


def export_url(db: Database, conversation_id: str) -> str:
    path = EXPORT_PATH.format(conversation=quote(conversation_id, safe=""))
    return f"{public_web_url()}{path}?t={export_token(db, conversation_id)}"


async def export_download(request: web.Request) -> web.Response:
    from bot.privacy import export_data
    from bot.web.auth import DB_KEY

    conversation_id = request.match_info["conversation"]
    db = request.app.get(DB_KEY) or get_database()
    if not check_export_token(db, conversation_id, request.query.get("t", "")):
        return web.Response(status=404, text="Lien inconnu ou expiré.", content_type="text/plain")
    reader = TrackerReader()
    try:
        document = export_data(db, reader, conversation_id)
    finally:
        reader.dispose()
    return web.Response(
        body=json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        content_type="application/json", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"',
                 "Cache-Control": "private, no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(EXPORT_PATH, export_download)
