"""Personnes: the people in the coach's scope and the search (name, e-mail,
phone, reference), one person's file, and what a coach does from it: enrol in a
module, create a link code, cancel or move a booking, add a note, validate a
completed objective (with a confirmation and an optional comment).
Domain: bot/people.py, bot/curriculum/, bot/identity.py. Another CAE's person
is a 404, as an unknown one."""
from __future__ import annotations

from typing import Any, Optional

from aiohttp import web

from bot import identity
from bot import people as people_ops
from bot.booking.errors import BookingError
from bot.curriculum import service as curriculum
from bot.curriculum.modules import load_modules
from bot.errors import UserError
from bot.scope import OutOfScope
from bot.web.auth import login_required
from bot.web.dashboard.common import db, render, scope

PERSON = r"/coach/people/{pid:\d{1,9}}"
REF = r"{ref:[A-Za-z0-9-]{1,20}}"
# What a redirect after an action says (``?fait=…``): fixed texts, nothing echoed.
DONE = {
    "inscrit": "Inscription au module enregistrée.",
    "deja-inscrit": "Cette personne suit déjà ce module.",
    "note": "Note ajoutée.",
    "annulee": "Réservation annulée : la personne est prévenue par e-mail.",
    "deplacee": "Réservation déplacée : la personne est prévenue par e-mail.",
    "valide": "Objectif validé.",
}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/people", people)
    app.router.add_get(PERSON, person)
    app.router.add_post(PERSON + "/validate", validate_objective)
    app.router.add_post(PERSON + "/enrol", enrol)
    app.router.add_post(PERSON + "/link-code", link_code)
    app.router.add_post(PERSON + "/notes", add_note)
    app.router.add_post(PERSON + f"/bookings/{REF}/cancel", cancel_booking)
    app.router.add_post(PERSON + f"/bookings/{REF}/move", move_booking)


@login_required
async def people(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:people_ops.MAX_QUERY]
    found = (people_ops.search_people(db(request), scope(request), query) if query
             else people_ops.list_people(db(request), scope(request)))
    listing = [{"person": p, "bookings": p.bookings} for p in found]
    return await render(request, "people.html", {"people": listing, "q": query})


def _pid(request: web.Request) -> int:
    """The person id in the URL, if this coach may see them (404 otherwise)."""
    try:
        return people_ops.require_live_person(db(request), scope(request), int(request.match_info["pid"]))
    except (people_ops.PersonNotFound, OutOfScope):
        raise web.HTTPNotFound(text="Personne inconnue.") from None


@login_required
async def person(request: web.Request, error: Optional[str] = None, code: Optional[str] = None,
                 status: int = 200, typed: Optional[dict[str, Any]] = None) -> web.Response:
    try:
        found = people_ops.person_file(db(request), scope(request), int(request.match_info["pid"]))
    except (people_ops.PersonNotFound, OutOfScope):
        raise web.HTTPNotFound(text="Personne inconnue.") from None
    enrolled = {m["id"] for m in (found.progress or {}).get("modules", [])}
    return await render(request, "person.html", {
        "person": found.person, "bookings": found.bookings, "outcomes": found.outcomes,
        "progress": found.progress, "conversations": found.conversations, "notes": found.notes,
        "modules": [(m.id, m.title) for m in load_modules().values() if m.id not in enrolled],
        "choices": people_ops.move_choices(db(request), scope(request)),
        "error": error, "code": code, "code_days": identity.COACH_CODE_LIFETIME.days,
        "done": DONE.get(request.query.get("fait", "")), "typed": typed or {}}, status=status)


def _back(pid: int, done: str) -> web.HTTPFound:
    return web.HTTPFound(f"/coach/people/{pid}?fait={done}")


@login_required
async def validate_objective(request: web.Request) -> web.Response:
    pid = _pid(request)
    form = await request.post()
    comment = str(form.get("commentaire") or "").strip()
    if form.get("confirm") != "oui":
        return await person.__wrapped__(request, error="Cochez la case pour confirmer la validation.",
                                        status=400, typed={"commentaire": comment[:people_ops.MAX_NOTE]})
    objective_id = str(form.get("objective_id") or "")
    try:
        if len(comment) > people_ops.MAX_COMMENT:
            raise people_ops.PersonError(f"Le commentaire doit faire au plus {people_ops.MAX_COMMENT} caractères.")
        obj = curriculum.validate_objective(db(request), pid, objective_id, request["coach"].id)
    except (UserError, KeyError) as err:
        message = err.message_fr if isinstance(err, UserError) else "Cet objectif ne peut pas être validé."
        return await person.__wrapped__(request, error=message, status=400,
                                        typed={"commentaire": comment[:people_ops.MAX_NOTE]})
    if comment:
        people_ops.add_note(db(request), scope(request), pid, request["coach"].id,
                            f"Validation de « {obj.title} » : {comment}")
    raise _back(pid, "valide")


@login_required
async def enrol(request: web.Request) -> web.Response:
    pid = _pid(request)
    form = await request.post()
    try:
        created = curriculum.enrol(db(request), pid, str(form.get("module_id") or ""), request["coach"].id)
    except KeyError:
        return await person.__wrapped__(request, error="Module inconnu.", status=400)
    except UserError as err:
        return await person.__wrapped__(request, error=err.message_fr, status=400)
    raise _back(pid, "inscrit" if created else "deja-inscrit")


@login_required
async def link_code(request: web.Request) -> web.Response:
    """A new code shown once, on this page (never in a URL)."""
    pid = _pid(request)
    try:
        code = identity.create_coach_code(db(request), pid, request["coach"].id)
    except UserError as err:
        return await person.__wrapped__(request, error=err.message_fr, status=400)
    return await person.__wrapped__(request, code=code)


@login_required
async def add_note(request: web.Request) -> web.Response:
    pid = _pid(request)
    form = await request.post()
    text = str(form.get("texte") or "")
    try:
        people_ops.add_note(db(request), scope(request), pid, request["coach"].id, text)
    except people_ops.PersonError as err:
        return await person.__wrapped__(request, error=err.message_fr, status=400,
                                        typed={"texte": text[:people_ops.MAX_NOTE + 100]})
    raise _back(pid, "note")


@login_required
async def cancel_booking(request: web.Request) -> web.Response:
    pid = _pid(request)
    form = await request.post()
    if form.get("confirm") != "oui":
        return await person.__wrapped__(request, error="Cochez la case pour confirmer l'annulation.", status=400)
    try:
        people_ops.cancel_booking(db(request), scope(request), pid, request.match_info["ref"])
    except BookingError as err:
        return await person.__wrapped__(request, error=err.message_fr, status=400)
    raise _back(pid, "annulee")


@login_required
async def move_booking(request: web.Request) -> web.Response:
    pid = _pid(request)
    form = await request.post()
    try:
        target = int(str(form.get("session_id") or ""))
    except ValueError:
        return await person.__wrapped__(request, error="Choisissez une date.", status=400)
    try:
        people_ops.move_booking(db(request), scope(request), pid, request.match_info["ref"], target)
    except BookingError as err:
        return await person.__wrapped__(request, error=err.message_fr, status=400)
    raise _back(pid, "deplacee")
