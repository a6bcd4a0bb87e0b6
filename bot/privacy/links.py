"""The links to one's data, shown only in the conversation they belong to: a
printable French page ``/mes-donnees/<conversation>.html?t=<expiry>_<HMAC>``
(who we are, what we hold and why, the transcript) and the same content as
one JSON file, ``/mes-donnees/<conversation>.json?t=…`` (bot/privacy/readable.py).

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
from pathlib import Path
from typing import Optional
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot.booking.links import _secret, public_web_url
from bot.storage.db import Database, get_database
from bot.storage.models import ExportKey, as_utc, utcnow
from bot.transcripts import TrackerReader

EXPORT_PATH = "/mes-donnees/{conversation}.json"
PAGE_PATH = "/mes-donnees/{conversation}.html"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parents[1] / "web" / "templates" / "donnees")),
    autoescape=True,
)


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
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()[:32]


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


def export_url(db: Database, conversation_id: str, page: bool = False) -> str:
    """The JSON file's address, or the readable page's (``page``)."""
    path = (PAGE_PATH if page else EXPORT_PATH).format(conversation=quote(conversation_id, safe=""))
    return f"{public_web_url()}{path}?t={export_token(db, conversation_id)}"


NO_STORE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _document(request: web.Request) -> Optional[dict]:
    """The export for a valid link, else None."""
    from bot.privacy import export_data
    from bot.web.auth import DB_KEY

    conversation_id = request.match_info["conversation"]
    db = request.app.get(DB_KEY) or get_database()
    if not check_export_token(db, conversation_id, request.query.get("t", "")):
        return None
    reader = TrackerReader()
    try:
        return export_data(db, reader, conversation_id)
    finally:
        reader.dispose()


async def export_page(request: web.Request) -> web.Response:
    from bot.privacy import readable

    document = _document(request)
    if document is None:
        text = TEMPLATES.get_template("expired.html").render()
        return web.Response(status=404, text=text, content_type="text/html", charset="utf-8", headers=NO_STORE)
    json_url = EXPORT_PATH.format(conversation=quote(request.match_info["conversation"], safe=""))
    text = TEMPLATES.get_template("export.html").render(
        document=document, conversations=readable.conversations(document["messages"]),
        moment=readable.moment, you=readable.YOU,
        json_url=f"{json_url}?t={quote(request.query.get('t', ''), safe='')}")
    return web.Response(text=text, content_type="text/html", charset="utf-8", headers=NO_STORE)


async def export_download(request: web.Request) -> web.Response:
    document = _document(request)
    if document is None:
        return web.Response(status=404, text="Lien inconnu ou expiré.", content_type="text/plain")
    return web.Response(
        body=json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        content_type="application/json", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"', **NO_STORE})


def add_routes(app: web.Application) -> None:
    app.router.add_get(EXPORT_PATH, export_download)
    app.router.add_get(PAGE_PATH, export_page)
