"""Réunions: list, create, edit (capacity, status), cancel, mark attendance
(bot/booking/coach.py, the same operations as the JSON API)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from aiohttp import web

from bot.booking import coach as coach_ops
from bot.booking import errors, service
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
    app.router.add_get(r"/coach/sessions/{sid:\d{1,9}}/cancel", session_cancel_confirm)
    app.router.add_post(r"/coach/sessions/{sid:\d{1,9}}/cancel", session_cancel)
    app.router.add_post("/coach/bookings/{ref}/attendance", attendance)


# What a redirect after a save says (``?fait=…``): fixed texts, nothing echoed.
DONE = {
    "creee": "Réunion créée.",
    "modifiee": "Modifications enregistrées.",
    "annulee": "Réunion annulée : les personnes inscrites ont été prévenues par e-mail.",
    "presence": "Présence enregistrée.",
}
FORM_FIELDS = ("cae", "jour", "debut", "fin", "capacity", "place_id", "video_url", "status")


def _done(request: web.Request) -> Optional[str]:
    return DONE.get(request.query.get("fait", ""))


def _typed(form) -> dict[str, str]:
    """What the coach typed, to fill the form again after an error."""
    return {key: str(form.get(key) or "")[:300] for key in FORM_FIELDS} if form else {}


@login_required
async def sessions(request: web.Request, error: Optional[str] = None, form=None) -> web.Response:
    caes, places = coach_ops.caes_and_places(db(request), scope(request))
    typed = _typed(form) or {"capacity": "12", "cae": caes[0][0] if caes else ""}
    return await render(request, "sessions.html", {
        "sessions": coach_ops.sessions_in_scope(db(request), scope(request)), "caes": caes,
        "places": places, "error": error, "form": typed, "done": _done(request)},
        status=400 if error else 200)


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
        return await sessions.__wrapped__(request, error=err.message_fr, form=form)
    raise web.HTTPFound("/coach/sessions?fait=creee")


def _own_session(request: web.Request) -> int:
    try:
        return coach_ops.session_in_scope(db(request), scope(request), int(request.match_info["sid"]))
    except (BookingError, OutOfScope):  # another CAE's session: as if unknown
        raise web.HTTPNotFound(text="Réunion inconnue.") from None


def _session_form_values(session) -> dict[str, str]:
    start, end = session.starts_at.astimezone(PARIS), session.ends_at.astimezone(PARIS)
    return {"jour": start.strftime("%Y-%m-%d"), "debut": start.strftime("%H:%M"),
            "fin": end.strftime("%H:%M"), "capacity": str(session.capacity),
            "video_url": session.video_url or "", "status": session.status}


@login_required
async def session_page(request: web.Request, error: Optional[str] = None, form=None) -> web.Response:
    sid = _own_session(request)
    session = service.get_session(db(request), sid)
    values = _typed(form) or _session_form_values(session)
    if not form:
        values["place_id"] = str(coach_ops.session_place_id(db(request), sid) or "")
    return await render(request, "session.html", {
        "session": session, "bookings": coach_ops.list_bookings(db(request), sid), "error": error,
        "form": values, "places": coach_ops.places_of_session_cae(db(request), sid),
        "started": session.starts_at <= service.now_utc(), "done": _done(request)},
        status=400 if error else 200)


@login_required
async def session_edit(request: web.Request) -> web.Response:
    sid = _own_session(request)
    form = await request.post()
    try:
        data = _session_form(form)
        if "place_id" not in data and "place_id" in form:
            data["place_id"] = None  # "(visio)" chosen
        if "video_url" not in data and "video_url" in form:
            data["video_url"] = None
        coach_ops.update_session(db(request), sid, data)
    except BookingError as err:
        return await session_page.__wrapped__(request, error=err.message_fr, form=form)
    raise web.HTTPFound(f"/coach/sessions/{sid}?fait=modifiee")


@login_required
async def session_cancel_confirm(request: web.Request, error: Optional[str] = None,
                                 reason: str = "") -> web.Response:
    """The confirmation page: who will be told, an optional reason, then confirm."""
    sid = _own_session(request)
    session = service.get_session(db(request), sid)
    if session.status == "cancelled":
        raise web.HTTPFound(f"/coach/sessions/{sid}")
    return await render(request, "session_cancel.html", {
        "session": session, "count": coach_ops.active_bookings_count(db(request), sid),
        "error": error, "reason": reason}, status=400 if error else 200)


@login_required
async def session_cancel(request: web.Request) -> web.Response:
    sid = _own_session(request)
    form = await request.post()
    reason = str(form.get("motif") or "")
    if form.get("confirm") != "oui":  # never without the confirmation page
        return await session_cancel_confirm.__wrapped__(request, reason=reason[:500])
    try:
        coach_ops.cancel_session(db(request), sid, reason=reason)
    except BookingError as err:
        return await session_cancel_confirm.__wrapped__(request, error=err.message_fr, reason=reason[:500])
    raise web.HTTPFound(f"/coach/sessions/{sid}?fait=annulee")


@login_required
async def attendance(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    form = await request.post()
    try:
        sid = coach_ops.booking_in_scope(db(request), scope(request), reference)
        coach_ops.mark_attendance(db(request), reference, str(form.get("status") or ""))
    except (OutOfScope, errors.BookingNotFound):
        raise web.HTTPNotFound(text="Inscription inconnue.") from None
    except BookingError as err:
        raise web.HTTPBadRequest(text=err.message_fr) from None
    raise web.HTTPFound(f"/coach/sessions/{sid}?fait=presence")
