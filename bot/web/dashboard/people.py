"""Personnes: the people in the coach's scope, one person's file, validating a
completed objective (bot/people.py, bot/curriculum/)."""
from __future__ import annotations

from aiohttp import web

from bot import people as people_ops
from bot.curriculum import service as curriculum
from bot.scope import OutOfScope
from bot.web.auth import login_required
from bot.web.dashboard.common import db, render, scope


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/people", people)
    app.router.add_get(r"/coach/people/{pid:\d{1,9}}", person)
    app.router.add_post(r"/coach/people/{pid:\d{1,9}}/validate", validate_objective)


@login_required
async def people(request: web.Request) -> web.Response:
    listing = [{"person": p, "bookings": p.bookings} for p in people_ops.list_people(db(request), scope(request))]
    return await render(request, "people.html", {"people": listing})


@login_required
async def person(request: web.Request) -> web.Response:
    try:
        found = people_ops.person_file(db(request), scope(request), int(request.match_info["pid"]))
    except people_ops.PersonNotFound:
        raise web.HTTPNotFound(text="Personne inconnue.") from None
    except OutOfScope as err:
        raise web.HTTPForbidden(text=err.message_fr) from None
    return await render(request, "person.html", {"person": found.person, "bookings": found.bookings,
                                                 "outcomes": found.outcomes, "progress": found.progress})


@login_required
async def validate_objective(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        pid = people_ops.require_person(db(request), scope(request), int(request.match_info["pid"]))
    except OutOfScope as err:
        raise web.HTTPForbidden(text=err.message_fr) from None
    try:
        curriculum.validate_objective(db(request), pid, str(form.get("objective_id") or ""),
                                      request["coach"].id)
    except (curriculum.ProgressError, KeyError):
        raise web.HTTPBadRequest(text="Cet objectif ne peut pas être validé.")
    raise web.HTTPFound(f"/coach/people/{pid}")
