"""The activity overview page (``/coach/apercu``) and its CSV (``/coach/apercu.csv``):
the web adapter of bot/overview.py. Coaches see their CAE's figures, admins
without a CAE everyone's (bot/scope.py)."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Optional

from aiohttp import web

from bot import overview
from bot.web import auth
from bot.web.auth import login_required
from bot.web.dashboard.common import TRACKER_KEY, csv_response, parse_date, render

BASE = "/coach/apercu"
MAX_DAYS = 3660


def add_routes(app: web.Application) -> None:
    app.router.add_get(BASE, page)
    app.router.add_get(f"{BASE}.csv", export)


def period_from(query) -> tuple[overview.Period, Optional[str]]:
    """The period asked (``du``, ``au``: YYYY-MM-DD), default the last 30 days;
    with a French message when the dates were not usable."""
    default = overview.Period.last_days()
    start, end = parse_date(query.get("du")), parse_date(query.get("au"))
    error = None
    if (query.get("du") and start is None) or (query.get("au") and end is None):
        error = "Date non reconnue : utilisez le format AAAA-MM-JJ. Les 30 derniers jours sont affichés."
        return default, error
    end = end or default.end
    start = start or end - timedelta(days=overview.DEFAULT_DAYS - 1)
    if start > end:
        return default, "La date de début est après la date de fin. Les 30 derniers jours sont affichés."
    if (end - start).days > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS)
    return overview.Period(start, end), error


async def _figures(request: web.Request, period: overview.Period) -> overview.Overview:
    who = request["coach"]
    wanted = who.scope
    db, reader = request.app[auth.DB_KEY], request.app[TRACKER_KEY]
    return await asyncio.get_running_loop().run_in_executor(None, overview.compute, db, reader, period, wanted)


@login_required
async def page(request: web.Request) -> web.Response:
    period, error = period_from(request.query)
    o = await _figures(request, period)
    charts = {
        "channels": overview.bars_svg(sorted(o.conversations_by_channel.items(), key=lambda kv: -kv[1])),
        "words": overview.bars_svg(o.top_words[:12]),
        "topics": overview.bars_svg([(title, n) for _, title, n in o.faq_topics[:15]]),
        "funnel": overview.bars_svg(o.funnel, label_width=260),
    }
    return await render(request, "overview.html", {
        "o": o, "error": error, "charts": charts, "status_fr": overview.STATUS_FR,
        "booking_fr": overview.BOOKING_FR, "statuses": overview.BOOKING_STATUSES,
        "query": f"du={period.start.isoformat()}&au={period.end.isoformat()}"})


@login_required
async def export(request: web.Request) -> web.Response:
    period, _ = period_from(request.query)
    o = await _figures(request, period)
    return csv_response(f"apercu-{period.start.isoformat()}-{period.end.isoformat()}",
                        ["rubrique", "element", "valeur"], overview.rows(o))
