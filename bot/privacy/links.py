"""The link to download one's data (one JSON file), shown only in the conversation
it belongs to: ``/mes-donnees/<conversation>.json?t=<HMAC of the conversation id>``.
The document is built when the link is opened, so it is always current."""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

from aiohttp import web

from bot.booking.links import _secret, public_web_url
from bot.storage.db import get_database
from bot.transcripts import TrackerReader

EXPORT_PATH = "/mes-donnees/{conversation}.json"


def export_token(conversation_id: str) -> str:
    return hmac.new(_secret(), f"export:{conversation_id}".encode(), hashlib.sha256).hexdigest()[:32]


def export_url(conversation_id: str) -> str:
    path = EXPORT_PATH.format(conversation=quote(conversation_id, safe=""))
    return f"{public_web_url()}{path}?t={export_token(conversation_id)}"


async def export_download(request: web.Request) -> web.Response:
    from bot.privacy import export_data
    from bot.web.auth import DB_KEY

    conversation_id = request.match_info["conversation"]
    if not hmac.compare_digest(request.query.get("t", ""), export_token(conversation_id)):
        return web.Response(status=404, text="Lien inconnu.", content_type="text/plain")
    db = request.app.get(DB_KEY) or get_database()
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
