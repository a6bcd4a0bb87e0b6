"""What every dashboard page shares: the Jinja2 set-up and its filters, ``render``
(with the coach and the CSRF token), the tracker reader, the coach's scope, CSV
responses. No route and no query here."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Optional

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import labels, transcripts
from bot.booking.texts import PARIS, format_when
from bot.scope import Scope
from bot.storage.db import Database
from bot.web import auth

TEMPLATES = "coach"
TRACKER_KEY = web.AppKey("tracker_reader", transcripts.TrackerReader)


def setup_templates(app: web.Application, templates_dir) -> None:
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(templates_dir)),
                               autoescape=jinja2.select_autoescape(default=True))
    env.filters["when"] = local_time
    env.filters["session_when"] = lambda s: format_when(s.starts_at, s.ends_at)
    env.filters["label"] = lambda code, kind: labels.label(kind, code)


def db(request: web.Request) -> Database:
    return request.app[auth.DB_KEY]


def tracker(request: web.Request) -> transcripts.TrackerReader:
    return request.app[TRACKER_KEY]


def scope(request: web.Request) -> Scope:
    """The logged-in coach's scope (after ``login_required``)."""
    return request["coach"].scope


async def render(request: web.Request, template: str, context: dict[str, Any],
                 status: int = 200) -> web.Response:
    context = {"coach": request.get("coach"), "csrf": await auth.csrf_token(request), "path": request.path,
               **context}
    response = aiohttp_jinja2.render_template(f"{TEMPLATES}/{template}", request, context)
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- parsing


def parse_date(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- CSV


def csv_cell(value: Any) -> str:
    """A cell that spreadsheets will not run as a formula: a text starting with
    ``=``, ``@``, a tab or a carriage return, or with ``+``/``-`` not followed by a
    digit, gets a leading apostrophe; a phone number like ``+33 6 12…`` stays as is."""
    text = "" if value is None else str(value)
    first, second = text[:1], text[1:2]
    if first in ("=", "@", "\t", "\r") or (first in ("+", "-") and not second.isdigit()):
        text = "'" + text
    return text


def local_time(moment: Optional[datetime]) -> str:
    """Paris time, to the minute (as a coach and a spreadsheet read it)."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else ""


def csv_response(name: str, header: list[str], rows: list[list[Any]]) -> web.Response:
    """A CSV download: ``;``-separated, UTF-8 with BOM (what French spreadsheets open)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                        content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                 "Cache-Control": "no-store"})
