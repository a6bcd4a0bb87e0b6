"""What coaches do with information sessions: create, edit, cancel, list the
bookings, mark attendance, export. Used by the JSON API and the dashboard alike.

Same conventions as ``service``: ``db`` first, plain dataclasses or dicts out,
``BookingError`` subclasses with a French message. Scope (``bot.scope``): the
listings filter by the coach's CAE in SQL; before acting on one session or
booking, the adapters call ``session_in_scope`` / ``booking_in_scope`` (unknown:
SessionNotFound / BookingNotFound; another CAE's: ``OutOfScope``). The
transitions themselves are the booking service's (``service.lock_session``,
``promote_waitlist``, ``mark_cancelled``…).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bot.booking import emails, errors, service, texts
from bot.booking.service import SessionInfo, booking_info, lock_session, promote_waitlist, session_info_of
from bot.scope import OutOfScope, Scope
from bot.storage.db import Database
from bot.storage.models import (
    ABSENT, ATTENDED, CANCELLED, EXCUSED, REGISTERED, SESSION_CANCELLED, SESSION_CLOSED,
    SESSION_PLANNED, WAITLISTED, Booking, Cae, InfoSession, Person, Place, as_utc, utcnow,
)

ATTENDANCE = (ATTENDED, ABSENT, EXCUSED, REGISTERED)
# Dates outside these years are typing mistakes (and year 9999 overflows time zones).
YEARS = (2000, 2099)
MAX_ID = 2**31 - 1  # fits an INTEGER column on PostgreSQL and SQLite
EDITABLE_STATUSES = (SESSION_PLANNED, SESSION_CLOSED)
MAX_CAPACITY = 500


class InvalidInput(errors.BookingError):
    code = "invalid_input"
    message_fr = "Données invalides."


def _datetime(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise InvalidInput(f"« {field} » doit être une date ISO 8601, par exemple "
                           "2026-12-03T14:00:00+01:00.") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"« {field} » doit préciser son fuseau horaire (+01:00, Z…).")
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise InvalidInput(f"« {field} » : l'année doit être entre {YEARS[0]} et {YEARS[1]}.")
    return as_utc(parsed)


def check_capacity(value: Any) -> int:
    try:
        capacity = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("« capacity » doit être un nombre entier.") from None
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"« capacity » doit être entre 1 et {MAX_CAPACITY}.")
    return capacity


def session_cae_id(db: Database, session_id: int) -> int:
    with db.reader() as s:
        sess = s.get(InfoSession, int(session_id))
        if sess is None:
            raise errors.SessionNotFound()
        return sess.cae_id


def cae_id_of(db: Database, slug: str) -> int:
    if not isinstance(slug, str) or len(slug) > 100:
        raise InvalidInput("« cae » doit être l'identifiant court d'une CAE.")
    with db.reader() as s:
        cae_id = s.execute(select(Cae.id).where(Cae.slug == slug)).scalar_one_or_none()
    if cae_id is None:
        raise InvalidInput(f"CAE inconnue : {slug}.")
    return cae_id


def check_place(s, cae_id: int, place_id: Any) -> Optional[int]:
    """The id of a place of this CAE (InvalidInput otherwise), None when none is given."""
    if place_id in (None, ""):
        return None
    try:
        place_id = int(place_id)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("« place_id » doit être le numéro d'un lieu.") from None
    place = s.get(Place, place_id) if 0 < place_id <= MAX_ID else None
    if place is None or place.cae_id != cae_id:
        raise InvalidInput("Lieu inconnu pour cette CAE.")
    return place.id


def create_session(db: Database, cae_id: int, data: Mapping[str, Any],
                   now: Optional[datetime] = None) -> SessionInfo:
    """``data``: starts_at, ends_at (ISO 8601 with offset), capacity, and place_id
    (a place of this CAE) or video_url."""
    now = service.now_utc(now)
    starts_at = _datetime(data.get("starts_at"), "starts_at")
    ends_at = _datetime(data.get("ends_at"), "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("La fin doit être après le début.")
    if starts_at <= now:
        raise InvalidInput("La date de début est déjà passée.")
    capacity = check_capacity(data.get("capacity"))
    video_url = (str(data.get("video_url") or "").strip() or None)
    if video_url and not video_url.startswith(("https://", "http://")):
        raise InvalidInput("« video_url » doit être une adresse http(s).")

    def work(s) -> SessionInfo:
        place_id = check_place(s, cae_id, data.get("place_id"))
        if place_id is None and video_url is None:
            raise InvalidInput("Indiquez un lieu (place_id) ou un lien de visio (video_url).")
        sess = InfoSession(cae_id=cae_id, place_id=place_id, video_url=video_url,
                           starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                           status=SESSION_PLANNED, created_at=now)
        s.add(sess)
        s.flush()
        return session_info_of(s, sess)

    return db.run(work)


def update_session(db: Database, session_id: int, data: Mapping[str, Any],
                   now: Optional[datetime] = None) -> SessionInfo:
    """Change dates, capacity, place or video link, or status planned/closed.
    A larger capacity gives the new seats to the waiting list (told by e-mail)."""
    now = service.now_utc(now)

    def work(s):
        sess = lock_session(s, session_id)
        if sess.status == SESSION_CANCELLED:
            raise errors.SessionCancelled("Cette réunion est annulée : elle ne peut plus être modifiée.")
        if "starts_at" in data:
            sess.starts_at = _datetime(data["starts_at"], "starts_at")
        if "ends_at" in data:
            sess.ends_at = _datetime(data["ends_at"], "ends_at")
        if sess.ends_at <= sess.starts_at:
            raise InvalidInput("La fin doit être après le début.")
        if "capacity" in data:
            sess.capacity = check_capacity(data["capacity"])
        if "place_id" in data:
            sess.place_id = check_place(s, sess.cae_id, data["place_id"])
        if "video_url" in data:
            sess.video_url = str(data["video_url"] or "").strip() or None
        if sess.place_id is None and not sess.video_url:
            raise InvalidInput("Indiquez un lieu (place_id) ou un lien de visio (video_url).")
        if "status" in data:
            if data["status"] not in EDITABLE_STATUSES:
                raise InvalidInput("« status » : planned ou closed (pour annuler : /cancel).")
            sess.status = data["status"]
        s.flush()
        promoted = promote_waitlist(s, sess, now)
        info = session_info_of(s, sess)
        return info, [booking_info(s, b, info) for b in promoted]

    info, promoted = db.run(work)
    service.send_notices(promoted, "promotion", None, True)
    return info


MAX_REASON = 500


def cancel_session(db: Database, session_id: int, notify: bool = True, mailer=None,
                   reason: str = "", now: Optional[datetime] = None) -> Dict[str, Any]:
    """Cancel the session and every booking still on it, whatever its attendance
    mark (registered, waitlisted, attended, absent, excused). Each person gets an
    e-mail that apologises, says the CAE cancelled (and ``reason``, if given) and
    offers the CAE's next dates."""
    now = service.now_utc(now)
    reason = " ".join(str(reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Le motif doit faire au plus {MAX_REASON} caractères.")

    def work(s):
        sess = lock_session(s, session_id)
        if sess.status == SESSION_CANCELLED:
            raise errors.SessionCancelled("Cette réunion est déjà annulée.")
        sess.status = SESSION_CANCELLED
        bookings = s.execute(select(Booking).where(
            Booking.session_id == sess.id, Booking.status != CANCELLED)).scalars().all()
        before = {b.id: b.status for b in bookings}
        for booking in bookings:
            service.mark_cancelled(booking, now)
        s.flush()
        info = session_info_of(s, sess)
        # The e-mail speaks of the booking as it was (seat or waiting list).
        return info, [replace(booking_info(s, b, info), status=before[b.id]) for b in bookings]

    info, cancelled = db.run(work)
    if notify and cancelled:
        upcoming = [n for n in service.upcoming_sessions(db, cae=info.cae_slug, now=now, limit=NEXT_DATES + 1)
                    if n.id != info.id][:NEXT_DATES]
        for booking in cancelled:
            mail = texts.session_cancelled(booking, reason, upcoming)
            emails.notify(booking, "session_cancelled", mailer=mailer, mail=mail)
    return {"session": info, "cancelled_bookings": len(cancelled)}


NEXT_DATES = 3  # how many next dates the cancellation e-mail offers


def active_bookings_count(db: Database, session_id: int) -> int:
    """How many people a cancellation of this session would tell."""
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(Booking).where(
            Booking.session_id == int(session_id), Booking.status != CANCELLED)).scalar_one()


def list_bookings(db: Database, session_id: int) -> List[Dict[str, Any]]:
    with db.reader() as s:
        sess = s.get(InfoSession, int(session_id))
        if sess is None:
            raise errors.SessionNotFound()
        rows = s.execute(select(Booking).where(Booking.session_id == sess.id)
                         .order_by(Booking.created_at, Booking.id)).scalars().all()
        return [{
            "reference": b.reference, "status": b.status, "position": b.position,
            "first_name": b.person.first_name, "last_name": b.person.last_name,
            "email": b.person.email, "phone": b.person.phone,
            "created_at": b.created_at.isoformat(),
            "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None,
        } for b in rows]


def mark_attendance(db: Database, reference: str, status: str,
                    now: Optional[datetime] = None) -> Dict[str, Any]:
    """attended / absent / excused (or back to registered) for a seated booking,
    from the session's start (not before: nobody is present or absent yet)."""
    now = service.now_utc(now)
    if status not in ATTENDANCE:
        raise InvalidInput("« status » : attended, absent, excused ou registered.")
    reference = service.normalize_reference(reference)

    def work(s):
        booking = s.execute(select(Booking).where(Booking.reference == reference)).scalar_one_or_none()
        if booking is None:
            raise errors.BookingNotFound()
        if booking.status in (CANCELLED, WAITLISTED):
            raise InvalidInput("La présence ne se note que pour une personne inscrite "
                               "(pas annulée ni en liste d'attente).")
        if as_utc(booking.session.starts_at) > now:
            raise InvalidInput("La présence se note à partir du début de la réunion.")
        booking.status = status
        return {"reference": booking.reference, "status": booking.status}

    return db.run(work)


# --------------------------------------------------------------------------- scope and listings

OTHER_CAE = "Cette réunion appartient à une autre CAE."


def session_in_scope(db: Database, scope: Scope, session_id: int) -> int:
    """``session_id`` if it exists (SessionNotFound) and is in scope (OutOfScope)."""
    cae_id = session_cae_id(db, session_id)
    if not scope.sees_cae(cae_id):
        raise OutOfScope(OTHER_CAE)
    return int(session_id)


def booking_in_scope(db: Database, scope: Scope, reference: str) -> int:
    """The session id of this booking, if it exists (BookingNotFound) and is in
    scope (OutOfScope)."""
    reference = service.normalize_reference(reference)
    with db.reader() as s:
        found = s.execute(select(Booking.session_id, InfoSession.cae_id)
                          .join(InfoSession, InfoSession.id == Booking.session_id)
                          .where(Booking.reference == reference)).first()
    if found is None:
        raise errors.BookingNotFound()
    if not scope.sees_cae(found.cae_id):
        raise OutOfScope(OTHER_CAE)
    return found.session_id


def sessions_in_scope(db: Database, scope: Scope, now: Optional[datetime] = None) -> List[SessionInfo]:
    """Every session of the scope's CAE(s): those to come (or under way), soonest
    first, then the past ones, latest first (seats counted in one query)."""
    now = service.now_utc(now)
    with db.reader() as s:
        rows = s.execute(select(InfoSession).where(scope.cae_condition(InfoSession.cae_id))
                         .options(joinedload(InfoSession.cae), joinedload(InfoSession.place))
                         .order_by(InfoSession.starts_at, InfoSession.id)).scalars().all()
        infos = service.session_infos(s, rows)
    coming = [infos[r.id] for r in rows if as_utc(r.ends_at) > now]
    past = [infos[r.id] for r in reversed(rows) if as_utc(r.ends_at) <= now]
    return coming + past


def caes_and_places(db: Database, scope: Scope) -> tuple[list[tuple[str, str]], list[tuple[int, str, str]]]:
    """The CAEs (slug, name) and places (id, name, CAE slug) a session may be created
    with: only the scope's CAEs' own places (the form shows each CAE's apart)."""
    with db.reader() as s:
        caes = s.execute(select(Cae.slug, Cae.name).where(scope.cae_condition(Cae.id))
                         .order_by(Cae.name)).all()
        places = s.execute(select(Place.id, Place.name, Cae.slug).join(Cae, Cae.id == Place.cae_id)
                           .where(scope.cae_condition(Place.cae_id), Place.is_video.is_(False))
                           .order_by(Place.name)).all()
    return [tuple(c) for c in caes], [tuple(p) for p in places]


@dataclass(frozen=True)
class BookingRow:
    """One booking with its person and session, for the exports."""
    reference: str
    status: str
    first_name: str
    last_name: str
    email: Optional[str]
    phone: Optional[str]
    person_erased: bool
    cae_name: str
    starts_at: datetime
    session_status: str
    place_name: Optional[str]  # None: by video
    city: Optional[str]
    created_at: datetime

    @property
    def live(self) -> bool:
        """A real booking still: person not erased, booking and session not cancelled."""
        return (not self.person_erased and self.status != CANCELLED
                and self.session_status != SESSION_CANCELLED)


def bookings_in_scope(db: Database, scope: Scope) -> List[BookingRow]:
    """Every booking of the scope's sessions, oldest first (one query)."""
    query = (select(Booking, Person, InfoSession, Cae.name, Place)
             .join(Person, Person.id == Booking.person_id)
             .join(InfoSession, InfoSession.id == Booking.session_id)
             .join(Cae, Cae.id == InfoSession.cae_id)
             .outerjoin(Place, Place.id == InfoSession.place_id)
             .where(scope.cae_condition(InfoSession.cae_id))
             .order_by(Booking.created_at, Booking.id))
    with db.reader() as s:
        return [BookingRow(
            b.reference, b.status, p.first_name, p.last_name, p.email, p.phone, p.erased_at is not None,
            cae_name, sess.starts_at, sess.status,
            None if place is None or place.is_video else place.name,
            None if place is None or place.is_video else (place.city or ""), b.created_at)
            for b, p, sess, cae_name, place in s.execute(query)]


def places_of_session_cae(db: Database, session_id: int) -> list[tuple[int, str]]:
    """The places (id, name) of this session's own CAE, for its edit form."""
    with db.reader() as s:
        cae_id = s.execute(select(InfoSession.cae_id).where(InfoSession.id == int(session_id))).scalar_one()
        return [tuple(p) for p in s.execute(select(Place.id, Place.name).where(
            Place.cae_id == cae_id, Place.is_video.is_(False)).order_by(Place.name))]


def session_place_id(db: Database, session_id: int) -> Optional[int]:
    with db.reader() as s:
        return s.execute(select(InfoSession.place_id).where(InfoSession.id == int(session_id))).scalar_one()
