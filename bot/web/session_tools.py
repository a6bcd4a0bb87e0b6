"""Dashboard pages around sessions (the web adapter of bot/booking/series.py,
attendance.py and broadcast.py): a series of sessions in one go, a message to a
session's people, the printable attendance sheet, and the "Présences" page
(sessions "à clore", no-show rate per session and per CAE).

Same login, CSRF and scope as the rest of the dashboard (``login_required``:
CSRF checked on every POST); every query is limited in SQL to the coach's CAE,
and another CAE's session answers 404.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

import aiohttp_jinja2
from babel.numbers import format_percent
from aiohttp import web
from sqlalchemy import select

from bot.booking import attendance, broadcast, series
from bot.booking.coach import InvalidInput, cae_id_of
from bot.booking.errors import BookingError
from bot.overview import Scope
from bot.storage.models import Cae, Place, utcnow
from bot.web import auth, scope as web_scope
from bot.web.auth import login_required

SID = r"{sid:\d{1,9}}"
DEFAULT_DAYS = 365


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/presences", attendance_page)
    app.router.add_get("/coach/sessions/serie", series_page)
    app.router.add_post("/coach/sessions/serie", series_create)
    app.router.add_get(f"/coach/sessions/{SID}/message", message_page)
    app.router.add_post(f"/coach/sessions/{SID}/message", message_send)
    app.router.add_get(f"/coach/sessions/{SID}/emargement", sheet_page)


def _scope(request: web.Request) -> Scope:
    coach = request["coach"]
    return Scope.of(coach.cae_id, web_scope.sees_everyone(coach))


def _db(request: web.Request):
    return request.app[auth.DB_KEY]


async def _render(request: web.Request, template: str, context: dict[str, Any],
                  status: int = 200) -> web.Response:
    context = {"coach": request.get("coach"), "csrf": await auth.csrf_token(request),
               "pct": percent, **context}
    response = aiohttp_jinja2.render_template(f"coach/{template}", request, context)
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


def percent(rate: Optional[float]) -> str:
    """``12,5 %`` (Babel), or a dash when there is nothing to divide."""
    return "–" if rate is None else format_percent(rate, "#,##0.# %", locale="fr_FR")


def _session(request: web.Request):
    try:
        return attendance.session_in_scope(_db(request), int(request.match_info["sid"]), _scope(request))
    except BookingError:
        raise web.HTTPNotFound(text="Réunion inconnue.")


# --------------------------------------------------------------------------- présences


@login_required
async def attendance_page(request: web.Request) -> web.Response:
    now = utcnow()
    since = now - timedelta(days=DEFAULT_DAYS)
    db, where = _db(request), _scope(request)
    return await _render(request, "attendance.html", {
        "to_close": attendance.sessions_to_close(db, where, now),
        "past": attendance.past_sessions(db, where, now, since=since),
        "by_cae": attendance.no_show_by_cae(db, where, now, since=since),
        "states": attendance.STATE_FR, "days": DEFAULT_DAYS,
    })


# --------------------------------------------------------------------------- series


def _caes_and_places(request: web.Request):
    coach = request["coach"]
    with _db(request).reader() as s:
        caes = [(c.slug, c.name) for c in s.execute(select(Cae).order_by(Cae.name)).scalars()
                if coach.can_see_cae(c.id)]
        places = [(p.id, p.name, p.cae.name) for p in s.execute(select(Place).order_by(Place.name)).scalars()
                  if coach.can_see_cae(p.cae_id) and not p.is_video]
    return caes, places


@login_required
async def series_page(request: web.Request, error: Optional[str] = None, form=None,
                      created=None) -> web.Response:
    caes, places = _caes_and_places(request)
    return await _render(request, "series.html", {
        "caes": caes, "places": places, "error": error, "form": form or {}, "created": created,
        "max_sessions": series.MAX_SESSIONS}, status=400 if error else 200)


@login_required
async def series_create(request: web.Request) -> web.Response:
    form = await request.post()
    coach = request["coach"]
    try:
        cae_id = cae_id_of(_db(request), str(form.get("cae"))) if form.get("cae") else coach.cae_id
        if cae_id is None or not coach.can_see_cae(cae_id):
            raise InvalidInput("Choisissez une CAE.")
        plan = series.plan_from(form)
        created = series.create_series(_db(request), cae_id, plan, form, coach_id=coach.id)
    except BookingError as err:
        return await series_page.__wrapped__(request, error=err.message_fr, form=form)
    return await series_page.__wrapped__(request, created=created, form={})


# --------------------------------------------------------------------------- message


async def _message_context(request: web.Request, session, **extra) -> dict[str, Any]:
    return {"session": session, "recipients": len(broadcast.recipients(_db(request), session.id)),
            "history": broadcast.messages_of(_db(request), session.id, _scope(request)), **extra}


@login_required
async def message_page(request: web.Request) -> web.Response:
    session = _session(request)
    return await _render(request, "session_message.html", await _message_context(request, session))


@login_required
async def message_send(request: web.Request) -> web.Response:
    session = _session(request)
    form = await request.post()
    try:
        sent = broadcast.message_attendees(
            _db(request), session.id, _scope(request), str(form.get("subject") or ""),
            str(form.get("body") or ""), coach_id=request["coach"].id,
            include_waitlist=form.get("waitlist") == "on")
    except BookingError as err:
        return await _render(request, "session_message.html", await _message_context(
            request, session, error=err.message_fr, form=form), status=400)
    return await _render(request, "session_message.html", await _message_context(
        request, session, sent=sent))


# --------------------------------------------------------------------------- sign-in sheet


@login_required
async def sheet_page(request: web.Request) -> web.Response:
    session = _session(request)
    sheet = attendance.attendance_sheet(_db(request), session.id, _scope(request))
    return await _render(request, "attendance_sheet.html", {"sheet": sheet, "session": session})
