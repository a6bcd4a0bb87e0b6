"""Dashboard pages around sessions (the web side of bot/booking/series.py,
attendance.py and broadcast.py): a series of sessions in one go, a message to a
session's people, the printable attendance sheet, and the "Présences" page
(sessions "à clore", no-show rate per session and per CAE).

Same login, CSRF and scope as the rest of the dashboard (``login_required``:
CSRF checked on every POST); every query is limited in SQL to the coach's CAE
(bot/scope.py), and another CAE's session answers 404.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

from aiohttp import web
from babel.numbers import format_percent

from bot.booking import attendance, broadcast, series
from bot.booking.coach import InvalidInput, cae_id_of, caes_and_places
from bot.booking.errors import BookingError
from bot.storage.models import utcnow
from bot.web.auth import login_required
from bot.web.dashboard import common
from bot.web.dashboard.common import db, scope

SID = r"{sid:\d{1,9}}"
DEFAULT_DAYS = 365


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/presences", attendance_page)
    app.router.add_get("/coach/sessions/serie", series_page)
    app.router.add_post("/coach/sessions/serie", series_create)
    app.router.add_get(f"/coach/sessions/{SID}/message", message_page)
    app.router.add_post(f"/coach/sessions/{SID}/message", message_send)
    app.router.add_get(f"/coach/sessions/{SID}/emargement", sheet_page)


def percent(rate: Optional[float]) -> str:
    """``12,5 %`` (Babel), or a dash when there is nothing to divide."""
    return "–" if rate is None else format_percent(rate, "#,##0.# %", locale="fr_FR")


async def render(request: web.Request, template: str, context: dict[str, Any],
                 status: int = 200) -> web.Response:
    """``common.render`` with the percentage formatter."""
    return await common.render(request, template, {"pct": percent, **context}, status)


def _session(request: web.Request):
    try:
        return attendance.session_in_scope(db(request), int(request.match_info["sid"]), scope(request))
    except BookingError:
        raise web.HTTPNotFound(text="Réunion inconnue.")


# --------------------------------------------------------------------------- présences


@login_required
async def attendance_page(request: web.Request) -> web.Response:
    now = utcnow()
    since = now - timedelta(days=DEFAULT_DAYS)
    database, where = db(request), scope(request)
    return await render(request, "attendance.html", {
        "to_close": attendance.sessions_to_close(database, where, now),
        "past": attendance.past_sessions(database, where, now, since=since),
        "by_cae": attendance.no_show_by_cae(database, where, now, since=since),
        "states": attendance.STATE_FR, "days": DEFAULT_DAYS,
    })


# --------------------------------------------------------------------------- series


@login_required
async def series_page(request: web.Request, error: Optional[str] = None, form=None,
                      created=None) -> web.Response:
    caes, places = caes_and_places(db(request), scope(request))
    return await render(request, "series.html", {
        "caes": caes, "places": places, "error": error, "form": form or {}, "created": created,
        "max_sessions": series.MAX_SESSIONS}, status=400 if error else 200)


@login_required
async def series_create(request: web.Request) -> web.Response:
    form = await request.post()
    coach = request["coach"]
    try:
        cae_id = cae_id_of(db(request), str(form.get("cae"))) if form.get("cae") else coach.cae_id
        if cae_id is None or not scope(request).sees_cae(cae_id):
            raise InvalidInput("Choisissez une CAE.")
        plan = series.plan_from(form)
        created = series.create_series(db(request), cae_id, plan, form, coach_id=coach.id)
    except BookingError as err:
        return await series_page.__wrapped__(request, error=err.message_fr, form=form)
    return await series_page.__wrapped__(request, created=created, form={})


# --------------------------------------------------------------------------- message


async def _message_context(request: web.Request, session, **extra) -> dict[str, Any]:
    return {"session": session, "recipients": len(broadcast.recipients(db(request), session.id)),
            "history": broadcast.messages_of(db(request), session.id, scope(request)), **extra}


@login_required
async def message_page(request: web.Request) -> web.Response:
    session = _session(request)
    return await render(request, "session_message.html", await _message_context(request, session))


@login_required
async def message_send(request: web.Request) -> web.Response:
    session = _session(request)
    form = await request.post()
    try:
        sent = broadcast.message_attendees(
            db(request), session.id, scope(request), str(form.get("subject") or ""),
            str(form.get("body") or ""), coach_id=request["coach"].id,
            include_waitlist=form.get("waitlist") == "on")
    except BookingError as err:
        return await render(request, "session_message.html", await _message_context(
            request, session, error=err.message_fr, form=form), status=400)
    return await render(request, "session_message.html", await _message_context(
        request, session, sent=sent))


# --------------------------------------------------------------------------- sign-in sheet


@login_required
async def sheet_page(request: web.Request) -> web.Response:
    session = _session(request)
    sheet = attendance.attendance_sheet(db(request), session.id, scope(request))
    return await render(request, "attendance_sheet.html", {"sheet": sheet, "session": session})
