"""Coach API for the training follow-up (see README, "Training follow-up").

All routes need a coach and are limited to the people that coach may see.
"""
from __future__ import annotations

import json

from aiohttp import web

from bot import identity, people
from bot.curriculum import service
from bot.curriculum.modules import load_modules
from bot.scope import OutOfScope
from bot.web.api import error, read_json
from bot.web.auth import DB_KEY, login_required


def _person(request: web.Request) -> int:
    try:
        pid = int(request.match_info["person_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    try:
        return people.require_person(request.app[DB_KEY], request["coach"].scope, pid)
    except OutOfScope as err:
        raise web.HTTPForbidden(text=json.dumps({"error": err.message_fr}, ensure_ascii=False),
                                content_type="application/json") from None


@login_required
async def modules(request: web.Request) -> web.Response:
    return web.json_response({"modules": [
        {"id": m.id, "title": m.title, "objectives": [{"id": o.id, "title": o.title,
                                                       "estimated_minutes": o.estimated_minutes}
                                                      for o in m.objectives]}
        for m in load_modules().values()]})


@login_required
async def enrol(request: web.Request) -> web.Response:
    pid = _person(request)
    body = await read_json(request)
    try:
        created = service.enrol(request.app[DB_KEY], pid, str(body.get("module") or ""), request["coach"].id)
    except KeyError:
        return error(400, "Module inconnu.")
    except service.ProgressError as err:
        return error(404, err.message_fr)
    return web.json_response({"enrolled": created}, status=201 if created else 200)


@login_required
async def progress(request: web.Request) -> web.Response:
    pid = _person(request)
    db = request.app[DB_KEY]
    return web.json_response({**service.person_progress(db, pid), "history": service.history(db, pid)})


@login_required
async def validate(request: web.Request) -> web.Response:
    pid = _person(request)
    try:
        obj = service.validate_objective(request.app[DB_KEY], pid, request.match_info["objective_id"],
                                         request["coach"].id)
    except KeyError:
        return error(404, "Objectif inconnu.")
    except service.ProgressError as err:
        return error(409, err.message_fr)
    return web.json_response({"validated": obj.id})


@login_required
async def link_code(request: web.Request) -> web.Response:
    pid = _person(request)
    try:
        code = identity.create_coach_code(request.app[DB_KEY], pid, request["coach"].id)
    except identity.IdentityError as err:
        return error(404, err.message_fr)
    return web.json_response({"code": code, "valid_days": identity.COACH_CODE_LIFETIME.days}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/curriculum/modules", modules)
    app.router.add_post(r"/api/people/{person_id:\d{1,9}}/enrolments", enrol)
    app.router.add_get(r"/api/people/{person_id:\d{1,9}}/progress", progress)
    app.router.add_post(r"/api/people/{person_id:\d{1,9}}/objectives/{objective_id}/validate", validate)
    app.router.add_post(r"/api/people/{person_id:\d{1,9}}/link-code", link_code)
