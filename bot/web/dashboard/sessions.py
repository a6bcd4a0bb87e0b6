"""Réunions: list, create, edit (capacity, status), cancel, mark attendance
(bot/booking/coach.py, the same operations as the JSON API)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from aiohttp import web

from bot.booking import coach as coach_ops
from bot.booking import service
from bot.booking.errors import BookingError
from bot.booking.texts import PARIS
from bot.scope import OutOfScope
from bot.web.auth import login_required
from bot.web.dashboard.common import db, render, scope


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/sessions", sessions)
    app.router.add_post("/coach/sessions", session_create)
    app.router.add_get(r"/coach/sessions/{sid:\d{1,9}}", session_page)
    app.router.add_post(r"/coach/sessions/{sid:\d{1,9}}/edit", session_edit)
    app.router.add_post(r"/coach/sessions/{sid:\d{1,9}}/cancel", session_cancel)
    app.router.add_post("/coach/bookings/{ref}/attendance", attendance)


@login_required
async def sessions(request: web.Request, error: Optional[str] = None) -> web.Response:
    caes, places = coach_ops.caes_and_places(db(request), scope(request))
    return await render(request, "sessions.html", {
        "sessions": coach_ops.sessions_in_scope(db(request), scope(request)), "caes": caes,
        "places": places, "error": error}, status=400 if error else 200)


def _paris_iso(day: str, hour: str) -> str:
    return datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=PARIS).isoformat()


def _session_form(form) -> dict[str, Any]:
    data: dict[str, Any] = {}
    try:
        if form.get("jour") and form.get("debut"):
            data["starts_at"] = _paris_iso(str(form["jour"]), str(form["debut"]))
        if form.get("jour") and form.get("fin"):
            data["ends_at"] = _paris_iso(str(form["jour"]), str(form["fin"]))
    except ValueError:
        raise coach_ops.InvalidInput("Date ou heure invalide.") from None
    for key in ("capacity", "video_url", "place_id", "status"):
        if form.get(key) not in (None, ""):
            data[key] = str(form[key])
    return data


@login_required
async def session_create(request: web.Request) -> web.Response:
    form = await request.post()
    coach = request["coach"]
    try:
        cae_id = coach_ops.cae_id_of(db(request), str(form.get("cae"))) if form.get("cae") else coach.cae_id
        if cae_id is None or not scope(request).sees_cae(cae_id):
            raise coach_ops.InvalidInput("Choisissez une CAE.")
        coach_ops.create_session(db(request), cae_id, _session_form(form))
    except BookingError as err:
        return await sessions.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound("/coach/sessions")


def _own_session(request: web.Request) -> int:
    try:
        return coach_ops.session_in_scope(db(request), scope(request), int(request.match_info["sid"]))
    except BookingError:
        raise web.HTTPNotFound(text="Réunion inconnue.") from None
    except OutOfScope as err:
        raise web.HTTPForbidden(text=err.message_fr) from None


@login_required
async def session_page(request: web.Request, error: Optional[str] = None) -> web.Response:
    sid = _own_session(request)
    return await render(request, "session.html", {
        "session": service.get_session(db(request), sid),
        "bookings": coach_ops.list_bookings(db(request), sid), "error": error},
        status=400 if error else 200)


@login_required
async def session_edit(request: web.Request) -> web.Response:
    sid = _own_session(request)
    try:
        coach_ops.update_session(db(request), sid, _session_form(await request.post()))
    except BookingError as err:
        return await session_page.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound(f"/coach/sessions/{sid}")


@login_required
async def session_cancel(request: web.Request) -> web.Response:
    sid = _own_session(request)
    try:
        coach_ops.cancel_session(db(request), sid)
    except BookingError as err:
        return await session_page.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound(f"/coach/sessions/{sid}")


@login_required
async def attendance(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    form = await request.post()
    try:
        sid = coach_ops.booking_in_scope(db(request), scope(request), reference)
        coach_ops.mark_attendance(db(request), reference, str(form.get("status") or ""))
    except OutOfScope:
        raise web.HTTPForbidden() from None
    except BookingError as err:
        raise web.HTTPBadRequest(text=err.message_fr) from None
    raise web.HTTPFound(f"/coach/sessions/{sid}")
