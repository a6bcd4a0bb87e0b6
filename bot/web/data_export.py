"""The pages behind the links to one's data: the printable French page
``/mes-donnees/<conversation>.html`` (bot/privacy/readable.py, template
``templates/donnees/export.html``) and the same content as one JSON file,
``/mes-donnees/<conversation>.json``.

The token, its checks and the document are the core's (bot/privacy/links.py);
this is only the aiohttp side.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot.privacy import readable
from bot.privacy.links import EXPORT_PATH, PAGE_PATH, export_document
from bot.storage.db import get_database
from bot.web.auth import DB_KEY

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates" / "donnees")),
    autoescape=True,
)
NO_STORE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _document(request: web.Request):
    db = request.app.get(DB_KEY) or get_database()
    return export_document(db, request.match_info["conversation"], request.query.get("t", ""))


async def export_page(request: web.Request) -> web.Response:
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
