"""JSON HTTP API for information sessions (see README, "JSON API").

Public: ``GET /api/sessions``. Everything else needs a coach (Basic auth or the
dashboard cookie + CSRF header) and is scoped to the coach's CAE by the same
domain functions as the dashboard (bot/booking/coach.py, bot/scope.py).
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.booking import coach as coach_ops
from bot.booking import service
from bot.booking.errors import BookingError, BookingNotFound, SessionNotFound
from bot.scope import OutOfScope
from bot.web.auth import DB_KEY, CoachInfo, login_required

MAX_BODY = 64 * 1024


def _db(request: web.Request):
    return request.app[DB_KEY]


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def booking_error(err: BookingError) -> web.Response:
    status = 404 if isinstance(err, (SessionNotFound, BookingNotFound)) else 400
    if err.code in ("session_cancelled",):
        status = 409
    return error(status, err.message_fr)


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_length and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "JSON invalide."}),
                                 content_type="application/json") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "Un objet JSON est attendu."}),
                                 content_type="application/json")
    return body


def _session_id(request: web.Request) -> int:
    try:
        return int(request.match_info["session_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


def forbidden(err: OutOfScope) -> web.Response:
    return error(403, err.message_fr)


async def list_sessions(request: web.Request) -> web.Response:
    where = request.query.get("where") or None
    cae = request.query.get("cae") or None
    sessions = service.upcoming_sessions(_db(request), where, cae=cae)
    return web.json_response({"sessions": [s.as_dict() for s in sessions]})


@login_required
async def create_session(request: web.Request) -> web.Response:
    coach: CoachInfo = request["coach"]
    body = await read_json(request)
    try:
        cae_id = coach_ops.cae_id_of(_db(request), body["cae"]) if body.get("cae") else coach.cae_id
        if cae_id is None:
            return error(400, "Précisez la CAE (« cae » : son identifiant court).")
        if not coach.scope.sees_cae(cae_id):
            raise OutOfScope(coach_ops.OTHER_CAE)
        info = coach_ops.create_session(_db(request), cae_id, body)
    except OutOfScope as err:
        return forbidden(err)
    except BookingError as err:
        return booking_error(err)
    return web.json_response({"session": info.as_dict()}, status=201)


@login_required
async def update_session(request: web.Request) -> web.Response:
    session_id = _session_id(request)
    body = await read_json(request)
    try:
        coach_ops.session_in_scope(_db(request), request["coach"].scope, session_id)
        info = coach_ops.update_session(_db(request), session_id, body)
    except OutOfScope as err:
        return forbidden(err)
    except BookingError as err:
        return booking_error(err)
    return web.json_response({"session": info.as_dict()})


@login_required
async def cancel_session(request: web.Request) -> web.Response:
    session_id = _session_id(request)
    reason = (await read_json(request)).get("reason") or ""
    try:
        coach_ops.session_in_scope(_db(request), request["coach"].scope, session_id)
        if not isinstance(reason, str):
            raise coach_ops.InvalidInput("« reason » doit être un texte.")
        result = coach_ops.cancel_session(_db(request), session_id, reason=reason)
    except OutOfScope as err:
        return forbidden(err)
    except BookingError as err:
        return booking_error(err)
    return web.json_response({"session": result["session"].as_dict(),
                              "cancelled_bookings": result["cancelled_bookings"]})


@login_required
async def session_bookings(request: web.Request) -> web.Response:
    session_id = _session_id(request)
    try:
        coach_ops.session_in_scope(_db(request), request["coach"].scope, session_id)
        bookings = coach_ops.list_bookings(_db(request), session_id)
    except OutOfScope as err:
        return forbidden(err)
    except BookingError as err:
        return booking_error(err)
    return web.json_response({"bookings": bookings})


@login_required
async def attendance(request: web.Request) -> web.Response:
    reference = request.match_info["reference"]
    body = await read_json(request)
    try:
        coach_ops.booking_in_scope(_db(request), request["coach"].scope, reference)
        result = coach_ops.mark_attendance(_db(request), reference, str(body.get("status") or ""))
    except OutOfScope as err:
        return forbidden(err)
    except BookingError as err:
        return booking_error(err)
    return web.json_response(result)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/sessions", list_sessions)
    app.router.add_post("/api/sessions", create_session)
    app.router.add_patch(r"/api/sessions/{session_id:\d{1,9}}", update_session)
    app.router.add_post(r"/api/sessions/{session_id:\d{1,9}}/cancel", cancel_session)
    app.router.add_get(r"/api/sessions/{session_id:\d{1,9}}/bookings", session_bookings)
    app.router.add_post("/api/bookings/{reference}/attendance", attendance)
