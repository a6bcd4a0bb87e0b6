"""Demandes de contact: the open requests to talk to a person (bot/handoff.py),
with what the assistant understood (``handoff.context_lines``), "marquer comme traitée"."""
from __future__ import annotations

from aiohttp import web

from bot import handoff, takeover
from bot.web.auth import login_required
from bot.web.dashboard.common import db, render, scope


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/handoffs", handoffs)
    app.router.add_post(r"/coach/handoffs/{hid:\d{1,9}}/handled", handoff_handled)


@login_required
async def handoffs(request: web.Request) -> web.Response:
    show_all = request.query.get("tout") == "oui"
    rows = handoff.requests_for(db(request), scope(request), include_handled=show_all)
    held = takeover.held_conversations(db(request), [r.conversation_id for r in rows if r.conversation_id])
    return await render(request, "handoffs.html", {"requests": rows, "show_all": show_all, "held": held,
                                                    "context_lines": handoff.context_lines})


@login_required
async def handoff_handled(request: web.Request) -> web.Response:
    try:
        handoff.mark_handled(db(request), scope(request), int(request.match_info["hid"]), request["coach"].id)
    except handoff.RequestNotFound:
        raise web.HTTPNotFound() from None
    raise web.HTTPFound("/coach/handoffs")
