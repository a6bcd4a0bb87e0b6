"""The pages behind the links of booking e-mails and chat messages (no login).

``/reunions/<ref>.ics?t=…`` (calendar file), ``/reunions/<ref>?t=…`` (the
booking), ``/reunions/<ref>/annuler`` and ``/reunions/<ref>/changer`` (confirm,
then POST). The signed token (``bot/booking/links.py``) is the capability: it
comes in the query string on GET, in a hidden field on POST; GET never changes
anything. A tampered token, or a booking that is cancelled or past, gets a
French page and nothing changes. No cookie is read, so there is nothing for a
cross-site request to borrow (and the pages cannot be framed: see app.py).
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

import jinja2
from aiohttp import web

from bot.booking import calendar, errors, links, service
from bot.booking.texts import format_moment, format_when, format_where
from bot.cae_names import the_cae
from bot.storage.db import Database
from bot.storage.models import utcnow
from bot.web.auth import DB_KEY  # the app's one database (set by auth.setup)

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates" / "reunions")),
    autoescape=True,
)
REFERENCE = "{reference:[A-Za-z0-9-]{1,20}}"
BAD_LINK = ("Ce lien n'est pas valide : il est incomplet ou a été modifié. "
            "Utilisez le lien reçu par e-mail, ou écrivez à l'assistant avec votre référence.")


def _page(template: str, status: int = 200, **context) -> web.Response:
    text = TEMPLATES.get_template(template).render(format_when=format_when,
                                                   format_where=format_where,
                                                   format_moment=format_moment, the_cae=the_cae, **context)
    # The token is in the address: no cache, no Referer to anyone.
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "private, no-store",
                                 "Referrer-Policy": "no-referrer",
                                 "X-Robots-Tag": "noindex"})


def _message(title: str, message: str, status: int, reference: Optional[str] = None,
             token: Optional[str] = None) -> web.Response:
    return _page("message.html", status=status, title=title, message=message,
                 reference=reference, token=token)


def _bad_link() -> web.Response:
    return _message("Lien non valide", BAD_LINK, 403)


async def _booking(request: web.Request):
    """(booking, token, form) for a valid link, else (None, response, None)."""
    reference = request.match_info["reference"]
    form = await request.post() if request.method == "POST" else {}
    token = str(form.get("t", "")) if request.method == "POST" else request.query.get("t", "")
    if not links.check(token, links.manage_token(reference)):
        return None, _bad_link(), form
    db = request.app[DB_KEY]
    try:
        booking = await asyncio.get_running_loop().run_in_executor(
            None, service.booking_by_reference, db, reference)
    except errors.BookingNotFound:
        return None, _message("Réservation introuvable",
                              "Cette réservation n'existe plus.", 404), form
    return booking, token, form


def _state(booking) -> Optional[str]:
    """Why nothing can be changed any more, or None."""
    if booking.status == "cancelled":
        return "Cette réservation est annulée."
    if booking.session.starts_at <= utcnow():
        return "Cette réunion a déjà eu lieu : la réservation ne peut plus être modifiée."
    if booking.status not in ("registered", "waitlisted"):
        return "Cette réservation ne peut plus être modifiée."
    if booking.session.status == "cancelled":
        return ("Cette réunion a été annulée par la coopérative. "
                "Vous pouvez choisir une autre date.")
    return None


async def manage(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    return _page("booking.html", booking=booking, token=token, state=_state(booking),
                 ics=links.ICS_PATH.format(reference=booking.reference)
                 + f"?t={links.link_token(booking.reference)}")


async def cancel_form(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    state = _state(booking)
    if state and booking.session.status != "cancelled":
        return _message("Annulation impossible", state, 409, booking.reference, token)
    return _page("cancel.html", booking=booking, token=token)


async def cancel_post(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    db = request.app[DB_KEY]
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: service.cancel(db, booking.reference, service.SIGNED_LINK))
    except errors.BookingError as error:
        return _message("Annulation impossible", error.message_fr, 409, booking.reference, token)
    return _message("Réservation annulée",
                    f"Votre réservation {booking.reference} est annulée. Un e-mail de "
                    "confirmation vous a été envoyé ; sa pièce jointe retire la réunion de "
                    "votre agenda.", 200, booking.reference, token)


def _choices(db: Database, booking):
    return [x for x in service.upcoming_sessions(db, cae=booking.session.cae_slug)
            if x.id != booking.session.id]


async def change_form(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    state = _state(booking)
    if state and booking.session.status != "cancelled":
        return _message("Changement impossible", state, 409, booking.reference, token)
    db = request.app[DB_KEY]
    choices = await asyncio.get_running_loop().run_in_executor(None, _choices, db, booking)
    return _page("change.html", booking=booking, token=token, choices=choices)


async def change_post(request: web.Request) -> web.Response:
    booking, token, form = await _booking(request)
    if booking is None:
        return token
    db = request.app[DB_KEY]
    session_id = str(form.get("session", "")).strip()
    if not session_id.isdigit():
        return _message("Changement impossible", "Choisissez une date dans la liste.", 400,
                        booking.reference, token)
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            None, lambda: service.change_date(db, booking.reference, service.SIGNED_LINK,
                                              int(session_id)))
    except errors.BookingError as error:
        return _message("Changement impossible", error.message_fr, 409, booking.reference, token)
    new = result.booking.session
    return _message("Date changée",
                    f"Votre réservation {booking.reference} est maintenant pour le "
                    f"{format_when(new.starts_at, new.ends_at)}. Un e-mail de confirmation "
                    "vous a été envoyé avec l'invitation mise à jour.", 200,
                    booking.reference, token)


def _offer_state(booking) -> Optional[str]:
    if booking.status == "registered":
        return "Votre place est déjà confirmée : rien à faire de plus."
    return _state(booking)


async def claim_form(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    state = _offer_state(booking)
    if state:
        return _message("Place", state, 409 if booking.status != "registered" else 200,
                        booking.reference, token)
    return _page("claim.html", booking=booking, token=token,
                 live=booking.has_offer and booking.offer_expires_at > utcnow())


async def claim_post(request: web.Request) -> web.Response:
    booking, token, _ = await _booking(request)
    if booking is None:
        return token
    db = request.app[DB_KEY]
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            None, lambda: service.claim_offer(db, booking.reference, service.SIGNED_LINK))
    except errors.AlreadyRegistered as error:
        return _message("Place confirmée", error.message_fr, 200, booking.reference, token)
    except errors.BookingError as error:
        return _message("Place non disponible", error.message_fr, 409, booking.reference, token)
    if not result.claimed:
        return _message(
            "Place déjà prise",
            "Désolé, cette place n'est plus disponible : elle a été proposée à la personne "
            "suivante ou prise entre-temps. Vous restez sur la liste d'attente (position "
            f"{result.booking.waitlist_rank}) et nous vous écrirons si une autre place se libère.",
            409, booking.reference, token)
    return _message("Place confirmée",
                    f"C'est confirmé : votre place est réservée ({booking.reference}). Un "
                    "e-mail de confirmation vous a été envoyé avec l'invitation pour votre "
                    "agenda.", 200, booking.reference, token)


async def ics_download(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    try:
        name, body = await asyncio.get_running_loop().run_in_executor(
            None, calendar.ics_for, db, request.match_info["reference"], request.query.get("t", ""))
    except errors.BookingError:
        return web.Response(status=404, text="Lien inconnu ou expiré.", content_type="text/plain")
    return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store",
                                 "Referrer-Policy": "no-referrer"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(links.ICS_PATH, ics_download, name="booking_ics")
    app.router.add_get(f"/reunions/{REFERENCE}", manage, name="booking_page")
    app.router.add_get(f"/reunions/{REFERENCE}/annuler", cancel_form)
    app.router.add_post(f"/reunions/{REFERENCE}/annuler", cancel_post)
    app.router.add_get(f"/reunions/{REFERENCE}/changer", change_form)
    app.router.add_post(f"/reunions/{REFERENCE}/changer", change_post)
    app.router.add_get(f"/reunions/{REFERENCE}/place", claim_form)
    app.router.add_post(f"/reunions/{REFERENCE}/place", claim_post)
