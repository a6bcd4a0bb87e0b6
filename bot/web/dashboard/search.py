"""Recherche: one box (in the header of every page) across the conversations, the
people and the requests to talk to a person in the coach's scope, case and
accents ignored (bot/search.py); three groups with their counts and links."""
from __future__ import annotations

from aiohttp import web

from bot import handoff, search
from bot.web.auth import login_required
from bot.web.dashboard.common import db, render, scope, tracker


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/recherche", search_page)


@login_required
async def search_page(request: web.Request) -> web.Response:
    query = str(request.query.get("q") or "")
    results = search.search(db(request), tracker(request), scope(request), query)
    return await render(request, "search.html", {
        "results": results, "q": results.query, "too_long": len(" ".join(query.split())) > search.MAX_QUERY,
        "context_lines": handoff.context_lines, "shown": search.SHOWN,
    })
