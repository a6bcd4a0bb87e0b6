"""CSV exports: conversations (the current filters), bookings, and an enDI-shaped
file (live rows only). The rows come from the domain, scoped in SQL; this module
only lays them out."""
from __future__ import annotations

from aiohttp import web

from bot import labels
from bot.booking import coach as coach_ops
from bot.booking.texts import PARIS
from bot.web.auth import login_required
from bot.web.dashboard.common import csv_response, db, local_time, scope
from bot.web.dashboard.conversations import filtered, in_scope

# enDI's attendance wording for an information session (labels.BOOKING otherwise).
ENDI_ATTENDANCE = {"registered": "Inscrit", "waitlisted": "Liste d'attente", "attended": "Présent",
                   "absent": "Absent", "excused": "Excusé"}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/export/{what}.csv", export)


def _place(row: coach_ops.BookingRow) -> tuple[str, str]:
    if row.place_name is None:
        return "Visioconférence", ""
    return row.place_name, row.city or ""


def conversations_csv(request: web.Request) -> web.Response:
    rows = [[c.conversation_id, local_time(c.started_at), local_time(c.last_at), c.channel,
             c.user_messages, "" if c.lowest_confidence is None else f"{c.lowest_confidence:.2f}",
             c.not_understood, c.doubtful, "oui" if c.handoff else "non",
             labels.label("eligibility", c.outcome), "oui" if c.reviewed else "non", ", ".join(c.tags)]
            for c in filtered(request, in_scope(request))]
    return csv_response("conversations", ["Conversation", "Début", "Dernier message", "Canal", "Messages",
                                          "Confiance min.", "Non compris", "Douteux", "Conseiller demandé",
                                          "Éligibilité", "Relue", "Étiquettes"], rows)


def bookings_csv(bookings: list[coach_ops.BookingRow]) -> web.Response:
    rows = [[b.reference, labels.label("booking", b.status), b.first_name, b.last_name,
             b.email, b.phone, b.cae_name, local_time(b.starts_at),
             *_place(b), labels.label("session", b.session_status), local_time(b.created_at)]
            for b in bookings]
    return csv_response("inscriptions", ["Référence", "Statut", "Prénom", "Nom", "E-mail", "Téléphone",
                                         "CAE", "Réunion", "Lieu", "Ville", "Réunion : statut",
                                         "Inscrit le"], rows)


def endi_csv(bookings: list[coach_ops.BookingRow]) -> web.Response:
    # Live rows only: no erased person, no cancelled booking, no cancelled session.
    rows = [[b.last_name, b.first_name, b.email, b.phone, b.starts_at.astimezone(PARIS).strftime("%d/%m/%Y"),
             *_place(b), ENDI_ATTENDANCE[b.status], b.cae_name]
            for b in bookings if b.live]
    return csv_response("endi", ["Nom", "Prénom", "E-mail 1", "Tél. mobile", "Date info coll",
                                 "Lieu", "Ville", "Présence", "Structure"], rows)


@login_required
async def export(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    if what == "conversations":
        return conversations_csv(request)
    if what == "bookings":
        return bookings_csv(coach_ops.bookings_in_scope(db(request), scope(request)))
    if what == "endi":
        return endi_csv(coach_ops.bookings_in_scope(db(request), scope(request)))
    raise web.HTTPNotFound()
