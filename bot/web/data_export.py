"""The page behind the link to download one's data (``/mes-donnees/<conversation>.json``).

The token, its checks and the document are the core's (bot/privacy/links.py);
this is only the aiohttp side.
"""
from __future__ import annotations

import json

from aiohttp import web

from bot.privacy.links import EXPORT_PATH, export_document
from bot.storage.db import get_database
from bot.web.auth import DB_KEY


async def export_download(request: web.Request) -> web.Response:
    db = request.app.get(DB_KEY) or get_database()
    document = export_document(db, request.match_info["conversation"], request.query.get("t", ""))
    if document is None:
        return web.Response(status=404, text="Lien inconnu ou expiré.", content_type="text/plain")
    return web.Response(
        body=json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        content_type="application/json", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"',
                 "Cache-Control": "private, no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(EXPORT_PATH, export_download)
