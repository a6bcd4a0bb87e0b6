"""The coaches' dashboard (server-rendered, Jinja2 templates in templates/coach/).

Every page needs a login except the login page itself; every form carries the
session's CSRF token; all text is escaped by Jinja2's autoescape.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Optional
from urllib.parse import quote as urlquote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy import select

from bot import labels, transcripts
from bot.curriculum import service as curriculum
from bot.booking import coach as coach_ops
from bot.booking import service
from bot.booking.errors import BookingError
from bot.booking.texts import format_when
from bot.handoff import context_lines as handoff_context_lines
from bot.storage.models import (
    CANCELLED, HANDOFF_HANDLED, HANDOFF_OPEN, SESSION_CANCELLED, Booking, Cae, EligibilityOutcome, HandoffRequest, InfoSession,
    Person, Place, utcnow,
)
from bot.training_examples import add_example
from bot.web import auth
from bot.web import scope
from bot.web.auth import login_required

TEMPLATES = "coach"
TRACKER_KEY = web.AppKey("tracker_reader", transcripts.TrackerReader)


def setup(app: web.Application, templates_dir, tracker_url: Optional[str] = None) -> None:
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(templates_dir)),
                               autoescape=jinja2.select_autoescape(default=True))
    env.filters["when"] = lambda d: d.astimezone(service_tz()).strftime("%d/%m/%Y %H:%M") if d else ""
    env.filters["session_when"] = lambda s: format_when(s.starts_at, s.ends_at)
    env.filters["label"] = lambda code, kind: labels.label(kind, code)
    app[TRACKER_KEY] = transcripts.TrackerReader(tracker_url)
    app.on_cleanup.append(_dispose_tracker)
    app.on_startup.append(_warm_labels)
    # Numeric ids: at most 9 digits (they fit every integer column); anything else is a 404.
    app.router.add_get("/coach/login", login_page)
    app.router.add_post("/coach/login", login_submit)
    app.router.add_post("/coach/logout", logout)
    app.router.add_get("/coach", home)
    app.router.add_get("/coach/", home)
    app.router.add_get("/coach/conversations", conversations)
    app.router.add_get("/coach/conversations/{cid}", conversation)
    app.router.add_post("/coach/conversations/{cid}/review", review)
    app.router.add_post("/coach/conversations/{cid}/example", save_example)
    app.router.add_get("/coach/handoffs", handoffs)
    app.router.add_post(r"/coach/handoffs/{hid:\d{1,9}}/handled", handoff_handled)
    app.router.add_get("/coach/people", people)
    app.router.add_get(r"/coach/people/{pid:\d{1,9}}", person)
    app.router.add_post(r"/coach/people/{pid:\d{1,9}}/validate", validate_objective)
    app.router.add_get("/coach/sessions", sessions)
    app.router.add_post("/coach/sessions", session_create)
    app.router.add_get(r"/coach/sessions/{sid:\d{1,9}}", session_page)
    app.router.add_post(r"/coach/sessions/{sid:\d{1,9}}/edit", session_edit)
    app.router.add_post(r"/coach/sessions/{sid:\d{1,9}}/cancel", session_cancel)
    app.router.add_post("/coach/bookings/{ref}/attendance", attendance)
    app.router.add_get("/coach/export/{what}.csv", export)


async def _warm_labels(app: web.Application) -> None:
    """Parse the domain and FAQ titles once at start (~0.4 s), not on a coach's first page."""
    try:
        labels.example_choices()
    except (OSError, ValueError):  # a broken file shows on the page that needs it
        pass


async def _dispose_tracker(app: web.Application) -> None:
    app[TRACKER_KEY].dispose()


def service_tz():
    from bot.booking.texts import PARIS

    return PARIS


def _db(request: web.Request):
    return request.app[auth.DB_KEY]


async def render(request: web.Request, template: str, context: dict[str, Any],
                 status: int = 200) -> web.Response:
    context = {"coach": request.get("coach"), "csrf": await auth.csrf_token(request), **context}
    response = aiohttp_jinja2.render_template(f"{TEMPLATES}/{template}", request, context)
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


def back(request: web.Request, default: str) -> web.HTTPFound:
    return web.HTTPFound(default)


# --------------------------------------------------------------------------- login


async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", {"error": None,
                                                "next": request.query.get("next", "/coach/")})


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    target = str(form.get("next") or "/coach/")
    if not target.startswith("/coach") or target.startswith("//"):
        target = "/coach/"
    if not await auth.check_csrf(request, form.get("csrf_token")):
        return await render(request, "login.html", {"error": "Session expirée, réessayez.",
                                                    "next": target}, status=403)
    email = str(form.get("email") or "").strip().lower()
    coach, locked = auth.checked_login(request, email, str(form.get("password") or ""))
    if locked:
        return await render(request, "login.html", {"error": "Trop d'essais : réessayez dans quelques minutes.",
                                                    "next": target}, status=429)
    if coach is None:
        return await render(request, "login.html", {"error": "E-mail ou mot de passe incorrect.",
                                                    "next": target}, status=401)
    await auth.log_in(request, coach)
    raise web.HTTPFound(target)


@login_required
async def logout(request: web.Request) -> web.Response:
    await auth.log_out(request)
    raise web.HTTPFound("/coach/login")


@login_required
async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/coach/conversations")


# --------------------------------------------------------------------------- transcripts


def _flag(value: Optional[str]) -> Optional[bool]:
    return {"oui": True, "non": False}.get(value or "")


def _date(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _float(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def filters_from(query) -> transcripts.Filters:
    return transcripts.Filters(
        since=_date(query.get("du")), until=_date(query.get("au")),
        channel=query.get("canal") or None, fallback=_flag(query.get("repli")),
        doubtful=_flag(query.get("doute")),
        below=_float(query.get("confiance_sous")), handoff=_flag(query.get("conseiller")),
        outcome=query.get("eligibilite") or None, reviewed=_flag(query.get("relu")),
        tag=(query.get("etiquette") or "").strip().lower() or None,
        search=(query.get("q") or "").strip() or None,
    )


def _in_scope(request: web.Request) -> list[transcripts.ConversationSummary]:
    """The conversations this coach may read (the others are left out by the tracker query)."""
    hidden = scope.hidden_conversations(_db(request), request["coach"])
    return transcripts.summaries(_db(request), request.app[TRACKER_KEY], hidden=hidden)


def _filtered(request: web.Request, visible: list[transcripts.ConversationSummary]
              ) -> list[transcripts.ConversationSummary]:
    wanted = filters_from(request.query)
    if wanted.search:
        found = request.app[TRACKER_KEY].search(wanted.search)
        visible = [c for c in visible if c.conversation_id in found]
    return [c for c in visible if transcripts.matches(c, wanted)]


def _own_conversation(request: web.Request) -> str:
    """The conversation of the URL, if it exists and this coach may read it (404 otherwise:
    another CAE's conversation is not even confirmed to exist)."""
    cid = request.match_info["cid"]
    if (not scope.can_see_conversation(_db(request), request["coach"], cid)
            or not request.app[TRACKER_KEY].exists(cid)):
        raise web.HTTPNotFound(text="Conversation inconnue.")
    return cid


PAGE_SIZE = 50


def _page(query) -> int:
    try:
        return max(1, min(int(query.get("page") or 1), 100000))
    except ValueError:
        return 1


@login_required
async def conversations(request: web.Request) -> web.Response:
    visible = _in_scope(request)
    found = _filtered(request, visible)
    channels = sorted({c.channel for c in visible if c.channel})
    page = _page(request.query)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(page, pages)
    others = "&".join(f"{urlquote(k)}={urlquote(v)}" for k, v in request.query.items() if k != "page")
    return await render(request, "conversations.html", {
        "conversations": transcripts.with_texts(request.app[TRACKER_KEY],
                                                found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]),
        "total": len(found),
        "not_understood": sum(1 for c in found if c.not_understood),
        "doubtful": sum(1 for c in found if c.doubtful),
        "page": page, "pages": pages, "page_link": f"/coach/conversations?{others}&page=" if others
        else "/coach/conversations?page=",
        "query": request.query, "channels": channels,
        "yesterday": transcripts.yesterday().isoformat(), "today": transcripts.today().isoformat(),
        "query_string": request.query_string, "outcomes": list(labels.ELIGIBILITY.items()),
    })


@login_required
async def conversation(request: web.Request) -> web.Response:
    cid = request.match_info["cid"]
    if not scope.can_see_conversation(_db(request), request["coach"], cid):
        raise web.HTTPNotFound(text="Conversation inconnue.")
    events = request.app[TRACKER_KEY].events([cid])
    if not events:
        raise web.HTTPNotFound(text="Conversation inconnue.")
    summary = next(iter(transcripts.summaries(_db(request), request.app[TRACKER_KEY], only=[cid],
                                              events=events)), None)
    return await render(request, "conversation.html", {
        "cid": cid, "turns": transcripts.turns(events), "summary": summary,
        "choices": labels.example_choices(), "saved": request.query.get("enregistre"),
    })


@login_required
async def review(request: web.Request) -> web.Response:
    cid = _own_conversation(request)
    form = await request.post()
    transcripts.save_review(_db(request), cid, request["coach"].id, str(form.get("tags") or ""),
                            str(form.get("note") or ""), form.get("reviewed") == "on")
    raise web.HTTPFound(f"/coach/conversations/{cid}")


@login_required
async def save_example(request: web.Request) -> web.Response:
    cid = _own_conversation(request)
    form = await request.post()
    try:
        added = add_example(str(form.get("text") or ""), str(form.get("intent") or ""), conversation_id=cid)
    except ValueError:
        raise web.HTTPBadRequest(text="Intention ou texte invalide.")
    raise web.HTTPFound(f"/coach/conversations/{cid}?enregistre={'oui' if added else 'deja'}")


# --------------------------------------------------------------------------- handoffs


def _sees_request(coach, row: HandoffRequest) -> bool:
    """Requests without a CAE (anonymous visitors) are for every coach."""
    return row.cae_id is None or coach.can_see_cae(row.cae_id)


@login_required
async def handoffs(request: web.Request) -> web.Response:
    show_all = request.query.get("tout") == "oui"
    coach = request["coach"]
    with _db(request).reader() as s:
        query = select(HandoffRequest).order_by(HandoffRequest.created_at.desc())
        if not show_all:
            query = query.where(HandoffRequest.status == HANDOFF_OPEN)
        rows = [r for r in s.execute(query).scalars().all() if _sees_request(coach, r)]
    return await render(request, "handoffs.html", {"requests": rows, "show_all": show_all,
                                                    "context_lines": handoff_context_lines})


@login_required
async def handoff_handled(request: web.Request) -> web.Response:
    hid = int(request.match_info["hid"])

    def work(s):
        row = s.get(HandoffRequest, hid)
        if row is None or not _sees_request(request["coach"], row):
            raise web.HTTPNotFound()
        row.status, row.handled_at, row.handled_by = HANDOFF_HANDLED, utcnow(), request["coach"].id

    _db(request).run(work)
    raise web.HTTPFound("/coach/handoffs")


# --------------------------------------------------------------------------- people


@login_required
async def people(request: web.Request) -> web.Response:
    coach = request["coach"]
    with _db(request).reader() as s:
        rows = s.execute(select(Person).where(Person.erased_at.is_(None))
                         .order_by(Person.created_at.desc())).scalars().all()
        visible = [p for p in rows
                   if scope.sees_everyone(coach) or coach.cae_id in scope.person_cae_ids(s, p.id)]
        listing = [{"person": p, "bookings": len(p.bookings)} for p in visible]
    return await render(request, "people.html", {"people": listing})


def _progress(db, person_id: int):
    return curriculum.person_progress(db, person_id)


@login_required
async def person(request: web.Request) -> web.Response:
    pid = int(request.match_info["pid"])
    coach = request["coach"]
    with _db(request).reader() as s:
        row = s.get(Person, pid)
        if row is None or row.erased_at is not None:
            raise web.HTTPNotFound(text="Personne inconnue.")
        if not scope.can_see_person(_db(request), coach, pid):
            raise web.HTTPForbidden(text="Cette personne suit une autre CAE.")
        bookings = [{"reference": b.reference, "status": b.status, "session": b.session,
                     "cae": b.session.cae.name} for b in row.bookings]
        outcomes = s.execute(select(EligibilityOutcome).where(EligibilityOutcome.person_id == pid)
                             .order_by(EligibilityOutcome.created_at)).scalars().all()
        context = {"person": row, "bookings": bookings, "outcomes": outcomes,
                   "progress": _progress(_db(request), pid)}
        return await render(request, "person.html", context)


@login_required
async def validate_objective(request: web.Request) -> web.Response:
    pid = int(request.match_info["pid"])
    form = await request.post()
    if not scope.can_see_person(_db(request), request["coach"], pid):
        raise web.HTTPForbidden(text="Cette personne suit une autre CAE.")
    try:
        curriculum.validate_objective(_db(request), pid, str(form.get("objective_id") or ""),
                                      request["coach"].id)
    except (curriculum.ProgressError, KeyError):
        raise web.HTTPBadRequest(text="Cet objectif ne peut pas être validé.")
    raise web.HTTPFound(f"/coach/people/{pid}")


# --------------------------------------------------------------------------- sessions


def _sessions_of(request: web.Request) -> list:
    coach = request["coach"]
    with _db(request).reader() as s:
        rows = s.execute(select(InfoSession).order_by(InfoSession.starts_at.desc())).scalars().all()
        ids = [r.id for r in rows if coach.can_see_cae(r.cae_id)]
    return [service.get_session(_db(request), i) for i in ids]


def _caes_and_places(request: web.Request):
    coach = request["coach"]
    with _db(request).reader() as s:
        caes = [c for c in s.execute(select(Cae).order_by(Cae.name)).scalars().all()
                if coach.can_see_cae(c.id)]
        places = [p for p in s.execute(select(Place).order_by(Place.name)).scalars().all()
                  if coach.can_see_cae(p.cae_id)]
        return [(c.slug, c.name) for c in caes], [(p.id, p.name, p.cae.name) for p in places]


@login_required
async def sessions(request: web.Request, error: Optional[str] = None) -> web.Response:
    caes, places = _caes_and_places(request)
    return await render(request, "sessions.html", {"sessions": _sessions_of(request), "caes": caes,
                                                   "places": places, "error": error},
                        status=400 if error else 200)


def _paris_iso(day: str, hour: str) -> str:
    from datetime import datetime

    local = datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=service_tz())
    return local.isoformat()


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
        cae_id = coach_ops.cae_id_of(_db(request), str(form.get("cae"))) if form.get("cae") else coach.cae_id
        if cae_id is None or not coach.can_see_cae(cae_id):
            raise coach_ops.InvalidInput("Choisissez une CAE.")
        coach_ops.create_session(_db(request), cae_id, _session_form(form))
    except BookingError as err:
        return await sessions.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound("/coach/sessions")


def _own_session(request: web.Request) -> int:
    sid = int(request.match_info["sid"])
    try:
        cae_id = coach_ops.session_cae_id(_db(request), sid)
    except BookingError:
        raise web.HTTPNotFound(text="Réunion inconnue.")
    if not request["coach"].can_see_cae(cae_id):
        raise web.HTTPForbidden(text="Cette réunion appartient à une autre CAE.")
    return sid


@login_required
async def session_page(request: web.Request, error: Optional[str] = None) -> web.Response:
    sid = _own_session(request)
    return await render(request, "session.html", {
        "session": service.get_session(_db(request), sid),
        "bookings": coach_ops.list_bookings(_db(request), sid), "error": error},
        status=400 if error else 200)


@login_required
async def session_edit(request: web.Request) -> web.Response:
    sid = _own_session(request)
    try:
        coach_ops.update_session(_db(request), sid, _session_form(await request.post()))
    except BookingError as err:
        return await session_page.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound(f"/coach/sessions/{sid}")


@login_required
async def session_cancel(request: web.Request) -> web.Response:
    sid = _own_session(request)
    try:
        coach_ops.cancel_session(_db(request), sid)
    except BookingError as err:
        return await session_page.__wrapped__(request, error=err.message_fr)
    raise web.HTTPFound(f"/coach/sessions/{sid}")


@login_required
async def attendance(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    form = await request.post()
    try:
        cae_id = coach_ops.booking_cae_id(_db(request), reference)
        if not request["coach"].can_see_cae(cae_id):
            raise web.HTTPForbidden()
        with _db(request).reader() as s:
            sid = s.execute(select(Booking.session_id).where(
                Booking.reference == service.normalize_reference(reference))).scalar_one()
        coach_ops.mark_attendance(_db(request), reference, str(form.get("status") or ""))
    except BookingError as err:
        raise web.HTTPBadRequest(text=err.message_fr)
    raise web.HTTPFound(f"/coach/sessions/{sid}")


# --------------------------------------------------------------------------- exports

def csv_cell(value: Any) -> str:
    """A cell that spreadsheets will not run as a formula: a text starting with
    ``=``, ``@``, a tab or a carriage return, or with ``+``/``-`` not followed by a
    digit, gets a leading apostrophe; a phone number like ``+33 6 12…`` stays as is."""
    text = "" if value is None else str(value)
    first, second = text[:1], text[1:2]
    if first in ("=", "@", "\t", "\r") or (first in ("+", "-") and not second.isdigit()):
        text = "'" + text
    return text


def local_time(moment) -> str:
    """Paris time, to the minute (as a spreadsheet reads it)."""
    return moment.astimezone(service_tz()).strftime("%d/%m/%Y %H:%M") if moment else ""


# enDI's attendance wording for an information session (labels.BOOKING otherwise).
ENDI_ATTENDANCE = {"registered": "Inscrit", "waitlisted": "Liste d'attente", "attended": "Présent",
                   "absent": "Absent", "excused": "Excusé"}


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> web.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                        content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                 "Cache-Control": "no-store"})


def _place(session: InfoSession) -> tuple[str, str]:
    if session.place is None or session.place.is_video:
        return "Visioconférence", ""
    return session.place.name, session.place.city or ""


@login_required
async def export(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    coach = request["coach"]
    db = _db(request)
    if what == "conversations":
        rows = [[c.conversation_id, local_time(c.started_at), local_time(c.last_at), c.channel,
                 c.user_messages, "" if c.lowest_confidence is None else f"{c.lowest_confidence:.2f}",
                 c.not_understood, c.doubtful, "oui" if c.handoff else "non",
                 labels.label("eligibility", c.outcome), "oui" if c.reviewed else "non", ", ".join(c.tags)]
                for c in _filtered(request, _in_scope(request))]
        return _csv("conversations", ["Conversation", "Début", "Dernier message", "Canal", "Messages",
                                      "Confiance min.", "Non compris", "Douteux", "Conseiller demandé",
                                      "Éligibilité", "Relue", "Étiquettes"], rows)
    with db.reader() as s:
        bookings = [b for b in s.execute(select(Booking).order_by(Booking.created_at)).scalars().all()
                    if coach.can_see_cae(b.session.cae_id)]
        if what == "bookings":
            rows = [[b.reference, labels.label("booking", b.status), b.person.first_name, b.person.last_name,
                     b.person.email, b.person.phone, b.session.cae.name, local_time(b.session.starts_at),
                     *_place(b.session), labels.label("session", b.session.status), local_time(b.created_at)]
                    for b in bookings]
            return _csv("inscriptions", ["Référence", "Statut", "Prénom", "Nom", "E-mail", "Téléphone",
                                         "CAE", "Réunion", "Lieu", "Ville", "Réunion : statut",
                                         "Inscrit le"], rows)
        if what == "endi":
            # Live rows only: no erased person, no cancelled booking, no cancelled session.
            rows = [[b.person.last_name, b.person.first_name, b.person.email, b.person.phone,
                     b.session.starts_at.astimezone(service_tz()).strftime("%d/%m/%Y"),
                     *_place(b.session), ENDI_ATTENDANCE[b.status], b.session.cae.name]
                    for b in bookings
                    if b.person.erased_at is None and b.status != CANCELLED
                    and b.session.status != SESSION_CANCELLED]
            return _csv("endi", ["Nom", "Prénom", "E-mail 1", "Tél. mobile", "Date info coll",
                                 "Lieu", "Ville", "Présence", "Structure"], rows)
    raise web.HTTPNotFound()
