"""Information-session booking: list, book, cancel, change date, find, export, erase.

Every function takes ``db`` (a ``bot.storage.db.Database``) first and returns
plain dataclasses (``SessionInfo``, ``BookingInfo``...), never ORM objects.
Errors are ``BookingError`` subclasses carrying a French ``message_fr``.

The transitions exist once each, as public functions that take an open
SQLAlchemy session (``lock_session``, ``seat_or_waitlist``, ``promote_waitlist``,
``mark_seated``, ``mark_cancelled``, ``booking_info``, ``send_notices``): the
coaches' operations (``bot.booking.coach``), the reminders and the erasure call
them; nothing outside this module uses its private names (a test reads the
imports).

Capacity under concurrency: each write locks the session row first
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the transaction itself is
``BEGIN IMMEDIATE``, see ``bot/storage/db.py``), then counts the seats. Locks are
always taken in session-id order. E-mails go out after the commit.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from bot import conversation_cae, settings
from bot.booking import errors
from bot.booking.emails import notify as send_notification
from bot.booking.errors import BookingError  # noqa: F401  (re-exported)
from bot.booking.records import (  # noqa: F401  (re-exported: the service's results)
    BookingInfo,
    CancelResult,
    ChangeResult,
    ClaimResult,
    SessionInfo,
    jsonable as _jsonable,
)
from bot.mail import InvalidAddress, MissingAddress, normalize_address
from bot.storage.db import Database
from bot.text import fold_words
from bot.storage.models import (
    ACTIVE_STATUSES,
    CANCELLED,
    REGISTERED,
    SEATED_STATUSES,
    SESSION_CANCELLED,
    SESSION_CLOSED,
    SESSION_PLANNED,
    WAITLISTED,
    LINK_BOOKING,
    Booking,
    Cae,
    ConversationLink,
    InfoSession,
    Person,
    PersonNote,
    Place,
    as_utc,
    utcnow,
)

REFERENCE_PREFIX = "RI-"
# No 0/O, 1/I/L: easy to read out and to type.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


# --------------------------------------------------------------------------- helpers


def normalize_email(raw: Optional[str]) -> str:
    """The address checked and normalised (bot/mail.py), as booking errors."""
    try:
        return normalize_address(raw)
    except MissingAddress:
        raise errors.MissingField("email") from None
    except InvalidAddress as error:
        raise errors.InvalidEmail() from error


def normalize_reference(raw: Optional[str]) -> str:
    """``" ri 7k3p9q "`` → ``"RI-7K3P9Q"``; BookingNotFound when it cannot be one."""
    text = re.sub(r"[\s\-_.]", "", str(raw or "")).upper()
    if text.startswith("RI"):
        text = text[2:]
    if len(text) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in text):
        raise errors.BookingNotFound()
    return REFERENCE_PREFIX + text


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


def fold(text: Optional[str]) -> str:
    """Lower case, no accents, hyphens/apostrophes as spaces: ``"Saint-Étienne"`` → ``"saint etienne"``."""
    text = fold_words(text)
    return re.sub(r"^(st|ste) ", lambda m: "saint " if m.group(1) == "st" else "sainte ", text)


VIDEO_WORDS = {"video", "visio", "visioconference", "en ligne", "distanciel", "a distance",
               "en visio", "zoom", "teams", "online"}


def _clean_person(data: Mapping[str, Any]) -> Dict[str, Optional[str]]:
    def text(key: str, limit: int) -> str:
        return re.sub(r"\s+", " ", str(data.get(key) or "")).strip()[:limit]

    first_name, last_name = text("first_name", 100), text("last_name", 100)
    if not first_name:
        raise errors.MissingField("first_name")
    if not last_name:
        raise errors.MissingField("last_name")
    email = normalize_email(data.get("email"))
    phone = text("phone", 40) or None
    return {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}


def _counts(s: Session, session_ids: Iterable[int]) -> Dict[int, Tuple[int, int]]:
    """session id → (seats taken, people waiting). A seat offered to someone on the
    waiting list is taken (held for them) until claimed, declined or passed on."""
    ids = list(session_ids)
    result = {i: (0, 0) for i in ids}
    if not ids:
        return result
    offered = case((Booking.offered_at.is_(None), 0), else_=1)
    rows = s.execute(
        select(Booking.session_id, Booking.status, offered, func.count())
        .where(Booking.session_id.in_(ids), Booking.status.in_(SEATED_STATUSES + (WAITLISTED,)))
        .group_by(Booking.session_id, Booking.status, offered)
    ).all()
    for session_id, status, has_offer, count in rows:
        seated, waiting = result[session_id]
        if status == WAITLISTED and not has_offer:
            waiting += count
        else:
            seated += count
        result[session_id] = (seated, waiting)
    return result


def _session_info(sess: InfoSession, seated: int, waiting: int) -> SessionInfo:
    place = sess.place
    return SessionInfo(
        id=sess.id,
        cae_name=sess.cae.name,
        cae_slug=sess.cae.slug,
        starts_at=sess.starts_at,
        ends_at=sess.ends_at,
        capacity=sess.capacity,
        seats_left=max(0, sess.capacity - seated),
        waitlist_count=waiting,
        status=sess.status,
        is_video=sess.is_video,
        video_url=sess.video_url,
        place_name=place.name if place else None,
        address=place.address if place else None,
        postal_code=place.postal_code if place else None,
        city=place.city if place else None,
        departement=place.departement if place else None,
    )


def session_info_of(s: Session, sess: InfoSession) -> SessionInfo:
    """The record of this session row, with its seats and waiting list counted now."""
    seated, waiting = _counts(s, [sess.id])[sess.id]
    return _session_info(sess, seated, waiting)


def session_infos(s: Session, sessions: Iterable[InfoSession]) -> Dict[int, SessionInfo]:
    """Session id → record, for many session rows: their seats counted in one query."""
    rows = {sess.id: sess for sess in sessions}
    counts = _counts(s, rows)
    return {i: _session_info(sess, *counts[i]) for i, sess in rows.items()}


def booking_info(s: Session, booking: Booking, session_info: Optional[SessionInfo] = None
                  ) -> BookingInfo:
    """The record of this booking row (``session_info``: its session's, when known)."""
    rank = None
    if booking.status == WAITLISTED:
        rank = 1 + s.execute(
            select(func.count()).select_from(Booking).where(
                Booking.session_id == booking.session_id,
                Booking.status == WAITLISTED,
                Booking.offered_at.is_(None),  # those offered a seat are out of the queue
                Booking.position < booking.position,
            )
        ).scalar_one()
    return BookingInfo(
        reference=booking.reference,
        status=booking.status,
        first_name=booking.person.first_name,
        email=booking.person.email,
        session=session_info or session_info_of(s, booking.session),
        waitlist_rank=rank,
        sequence=booking.sequence,
        created_at=booking.created_at,
        promoted_at=booking.promoted_at,
        offered_at=booking.offered_at if booking.status == WAITLISTED else None,
        offer_expires_at=booking.offer_expires_at if booking.status == WAITLISTED else None,
    )


def lock_session(s: Session, session_id: Any) -> InfoSession:
    """The session row, locked until the end of the transaction."""
    try:
        session_id = int(session_id)
    except (TypeError, ValueError):
        raise errors.SessionNotFound() from None
    sess = s.execute(
        select(InfoSession).where(InfoSession.id == session_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if sess is None:
        raise errors.SessionNotFound()
    return sess


def _check_bookable(sess: InfoSession, now: datetime) -> None:
    if sess.status == SESSION_CANCELLED:
        raise errors.SessionCancelled()
    if sess.starts_at <= now:
        raise errors.SessionPast()
    if sess.status == SESSION_CLOSED:
        raise errors.SessionClosed()


def _next_position(s: Session, session_id: int) -> int:
    current = s.execute(
        select(func.max(Booking.position)).where(
            Booking.session_id == session_id, Booking.status == WAITLISTED)
    ).scalar_one()
    return (current or 0) + 1


DEFAULT_OFFER_HOURS = 24.0
MIN_OFFER = timedelta(minutes=30)


def offer_window(starts_at: datetime, now: datetime) -> timedelta:
    """How long a freed seat is held for the person it is offered to:
    ``CAE_WAITLIST_OFFER_HOURS`` (24 h), at most half the time left before the
    session (so that the next person still has time), at least 30 minutes, and
    never past the start."""
    try:
        hours = settings.current().waitlist_offer_hours
    except ValueError:
        hours = None
    if hours is None:
        hours = DEFAULT_OFFER_HOURS
    left = as_utc(starts_at) - now
    window = min(timedelta(hours=max(hours, 0.1)), max(MIN_OFFER, left / 2))
    return max(timedelta(0), min(window, left))


def promote_waitlist(s: Session, sess: InfoSession, now: datetime) -> List[Booking]:
    """Offer free seats to the waiting list, first come first served (session
    locked): each offered booking holds a seat until claimed (``claim_offer``),
    declined (``cancel``) or passed on (``pass_expired_offers``). People whose
    offer lapsed are not offered again automatically (they can still claim a
    seat that is free). Returns the bookings just offered a seat."""
    if sess.status != SESSION_PLANNED or sess.starts_at <= now:
        return []
    held, _ = _counts(s, [sess.id])[sess.id]
    free = sess.capacity - held
    if free <= 0:
        return []
    waiting = s.execute(
        select(Booking).where(Booking.session_id == sess.id, Booking.status == WAITLISTED,
                              Booking.offered_at.is_(None), Booking.offer_expires_at.is_(None))
        .order_by(Booking.position, Booking.created_at, Booking.id).limit(free)
    ).scalars().all()
    for booking in waiting:
        booking.offered_at = now
        booking.offer_expires_at = now + offer_window(sess.starts_at, now)
    s.flush()
    return list(waiting)


def seat_or_waitlist(s: Session, sess: InfoSession, waitlist_ok: bool, now: datetime
                     ) -> Tuple[str, Optional[int]]:
    """The one "seat or waiting list" decision for a booking arriving on ``sess``
    (locked): ``(REGISTERED, None)`` when a seat is free, ``(WAITLISTED,
    position)`` when full and ``waitlist_ok``, SessionFull otherwise. Free seats
    are offered to the waiting list first (normally a no-op: it keeps "free
    seat ⇒ empty waiting list"), so a newcomer never passes someone waiting."""
    promote_waitlist(s, sess, now)
    seated, _ = _counts(s, [sess.id])[sess.id]
    if seated < sess.capacity:
        return REGISTERED, None
    if waitlist_ok:
        return WAITLISTED, _next_position(s, sess.id)
    raise errors.SessionFull()


def mark_cancelled(booking: Booking, now: datetime) -> None:
    """The one cancellation transition (by the person, a coach's session
    cancellation, an erasure): no seat, no place in the list, no offer, and a
    new calendar SEQUENCE so the CANCEL replaces the entry."""
    booking.status = CANCELLED
    booking.cancelled_at = now
    booking.position = None
    booking.offered_at = None
    booking.offer_expires_at = None
    booking.sequence += 1


def mark_seated(booking: Booking, now: datetime) -> None:
    """The one "waiting list → seat" transition (an offer claimed, a free seat taken)."""
    booking.status = REGISTERED
    booking.position = None
    booking.promoted_at = now
    booking.offered_at = None
    booking.offer_expires_at = None
    booking.sequence += 1


def _person_for(s: Session, data: Dict[str, Optional[str]], now: datetime,
                conversation_id: Optional[str]) -> Person:
    """The record these details go to. From a chat conversation: the record made in
    that same conversation with this address, else a new one; a record made
    elsewhere with the same address is never reused, renamed or linked (a typed
    address proves nothing). Without a conversation (scripts, sample data): the
    one record of that address made outside the chat."""
    origin = str(conversation_id)[:255] if conversation_id else None
    query = select(Person).where(Person.email == data["email"], Person.erased_at.is_(None))
    query = query.where(Person.origin_conversation == origin) if origin else \
        query.where(Person.origin_conversation.is_(None))
    person = s.execute(query).scalars().first()
    if person is None:
        person = Person(email=data["email"], origin_conversation=origin, created_at=now)
        s.add(person)
    person.first_name = data["first_name"]
    person.last_name = data["last_name"]
    if data.get("phone"):
        person.phone = data["phone"]
    person.consent_at = now
    s.flush()  # a concurrent insert of the same e-mail fails here; Database.run retries
    if origin and s.get(ConversationLink, origin) is None:
        s.add(ConversationLink(conversation_id=origin, person_id=person.id, method=LINK_BOOKING,
                               linked_at=now))
    return person


class _SignedLink:
    """Passed instead of an e-mail address by callers that checked a signed link."""

    def __repr__(self) -> str:
        return "SIGNED_LINK"


SIGNED_LINK: Any = _SignedLink()


def _load_booking(s: Session, reference: str, email: Any) -> Booking:
    reference = normalize_reference(reference)
    booking = s.execute(
        select(Booking).where(Booking.reference == reference)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if booking is None:
        raise errors.BookingNotFound()
    if email is SIGNED_LINK:
        return booking
    try:
        email = normalize_email(email)
    except errors.BookingError:
        raise errors.EmailMismatch() from None
    if booking.person.email is None or booking.person.email != email:
        raise errors.EmailMismatch()
    return booking


def now_utc(now: Optional[datetime] = None) -> datetime:
    """``now`` as an aware UTC datetime, or the current time."""
    return as_utc(now) if now else utcnow()


def send_notices(infos: Iterable[BookingInfo], kind: str, mailer=None, notify: bool = True) -> None:
    """E-mail each of these bookings' people (``kind``: confirmation, promotion,
    cancellation…; see ``bot.booking.texts``). Called after the commit."""
    if not notify:
        return
    for info in infos:
        send_notification(info, kind, mailer=mailer)


# --------------------------------------------------------------------------- API


def upcoming_sessions(db: Database, where: Optional[str] = None, now: Optional[datetime] = None,
                      cae: Optional[str] = None, limit: Optional[int] = None
                      ) -> List[SessionInfo]:
    """Planned sessions still to come, soonest first.

    ``where``: a département code ("76", "2A", "974"; a postal code works too),
    a city name (accents, case and hyphens ignored) or "video" ("visio", "en
    ligne"...). ``cae``: a CAE slug. Full sessions are listed with
    ``seats_left=0`` so the chat can offer the waiting list.
    """
    now = now_utc(now)
    with db.reader() as s:
        query = (
            select(InfoSession)
            .join(Cae, InfoSession.cae_id == Cae.id)
            .outerjoin(Place, InfoSession.place_id == Place.id)
            .where(InfoSession.status == SESSION_PLANNED, InfoSession.starts_at > now)
            .order_by(InfoSession.starts_at, InfoSession.id)
        )
        if cae:
            query = query.where(Cae.slug == cae)
        sessions = s.execute(query).scalars().all()
        sessions = [x for x in sessions if _matches(x, where)]
        if limit:
            sessions = sessions[:limit]
        counts = _counts(s, [x.id for x in sessions])
        return [_session_info(x, *counts[x.id]) for x in sessions]


def _matches(sess: InfoSession, where: Optional[str]) -> bool:
    wanted = fold(where)
    if not wanted:
        return True
    if wanted in VIDEO_WORDS:
        return sess.is_video
    place = sess.place
    if place is None or place.is_video:
        return False
    compact = wanted.replace(" ", "")
    if re.fullmatch(r"\d{2}|2[ab]|97\d", compact):
        return (place.departement or "").lower() == compact
    if re.fullmatch(r"\d{5}", compact):
        return place.postal_code == compact or (
            bool(place.departement) and compact.startswith(place.departement.lower()))
    return fold(place.city) == wanted


def get_session(db: Database, session_id: int) -> SessionInfo:
    with db.reader() as s:
        sess = s.get(InfoSession, int(session_id))
        if sess is None:
            raise errors.SessionNotFound()
        return session_info_of(s, sess)


def book(db: Database, session_id: int, person_data: Mapping[str, Any], consent: bool,
         waitlist_ok: bool = False, now: Optional[datetime] = None, mailer=None,
         notify: bool = True, conversation_id: Optional[str] = None) -> BookingInfo:
    """Book a seat: ``status`` "registered", or "waitlisted" when the session is full
    and ``waitlist_ok``. ``person_data``: first_name, last_name, email, phone (optional).
    ``conversation_id``: the chat conversation booking (see ``_person_for``); it
    is linked to the record made there (not a proof of identity).

    Nothing is stored without ``consent``. Raises ConsentRequired, MissingField,
    InvalidEmail, SessionNotFound, SessionPast, SessionCancelled, SessionClosed,
    AlreadyBooked, SessionFull (full and waiting list not accepted).
    """
    if not consent:
        raise errors.ConsentRequired()
    data = _clean_person(person_data)
    now = now_utc(now)

    def work(s: Session) -> BookingInfo:
        sess = lock_session(s, session_id)
        _check_bookable(sess, now)
        person = _person_for(s, data, now, conversation_id)
        existing = s.execute(
            select(Booking).where(Booking.person_id == person.id,
                                  Booking.session_id == sess.id,
                                  Booking.status.in_(ACTIVE_STATUSES))
        ).scalar_one_or_none()
        if existing is not None:
            raise errors.AlreadyBooked(existing.reference)
        status, position = seat_or_waitlist(s, sess, waitlist_ok, now)
        booking = Booking(reference=new_reference(), person=person, session=sess,
                          status=status, position=position, created_at=now, updated_at=now)
        s.add(booking)
        s.flush()
        conversation_cae.refresh_person(s, person.id)
        return booking_info(s, booking)

    info = db.run(work)
    send_notices([info], "confirmation", mailer, notify)
    return info


def booking_by_reference(db: Database, reference: str) -> BookingInfo:
    """The booking with this reference, without the e-mail check: only for callers
    that proved the right to it otherwise (a signed link). Raises BookingNotFound."""
    reference = normalize_reference(reference)
    with db.reader() as s:
        booking = s.execute(select(Booking).where(Booking.reference == reference)
                            ).scalar_one_or_none()
        if booking is None:
            raise errors.BookingNotFound()
        return booking_info(s, booking)


def find_booking(db: Database, reference: str, email: str) -> BookingInfo:
    """The booking with this reference, if ``email`` is the one it was made with.

    Raises BookingNotFound (unknown reference) or EmailMismatch.
    """
    with db.reader() as s:
        return booking_info(s, _load_booking(s, reference, email))


def cancel(db: Database, reference: str, email: str, now: Optional[datetime] = None,
           mailer=None, notify: bool = True) -> CancelResult:
    """Cancel a booking; the freed seat goes to the first person waiting, who is
    returned in ``promoted`` and told by e-mail.

    Raises BookingNotFound, EmailMismatch, AlreadyCancelled, NotChangeable.
    """
    now = now_utc(now)

    def work(s: Session) -> CancelResult:
        booking = _load_booking(s, reference, email)
        sess = lock_session(s, booking.session_id)
        booking = _load_booking(s, reference, email)  # fresh, now that the session is locked
        if booking.status == CANCELLED:
            raise errors.AlreadyCancelled()
        if booking.status not in (REGISTERED, WAITLISTED) or sess.starts_at <= now:
            raise errors.NotChangeable()
        mark_cancelled(booking, now)
        s.flush()
        promoted = promote_waitlist(s, sess, now)
        info = session_info_of(s, sess)
        return CancelResult(
            cancelled=booking_info(s, booking, info),
            promoted=[booking_info(s, b, info) for b in promoted],
        )

    result = db.run(work)
    send_notices([result.cancelled], "cancellation", mailer, notify)
    send_notices(result.promoted, "promotion", mailer, notify)
    return result


def change_date(db: Database, reference: str, email: str, new_session_id: int,
                waitlist_ok: bool = False, now: Optional[datetime] = None, mailer=None,
                notify: bool = True) -> ChangeResult:
    """Move a booking to another session (same reference). The seat freed on the
    old session goes to its waiting list (``promoted``).

    Raises BookingNotFound, EmailMismatch, AlreadyCancelled, NotChangeable,
    SameSession, SessionNotFound, SessionPast, SessionCancelled, SessionClosed,
    AlreadyBooked, SessionFull.
    """
    now = now_utc(now)

    def work(s: Session) -> ChangeResult:
        booking = _load_booking(s, reference, email)
        try:
            target_id = int(new_session_id)
        except (TypeError, ValueError):
            raise errors.SessionNotFound() from None
        if booking.session_id == target_id:
            raise errors.SameSession()
        old_id = booking.session_id
        locked = {sid: lock_session(s, sid) for sid in sorted({old_id, target_id})}
        old, new = locked[old_id], locked[target_id]
        booking = _load_booking(s, reference, email)
        if booking.status == CANCELLED:
            raise errors.AlreadyCancelled()
        if booking.status not in (REGISTERED, WAITLISTED) or old.starts_at <= now:
            raise errors.NotChangeable()
        _check_bookable(new, now)
        existing = s.execute(
            select(Booking).where(Booking.person_id == booking.person_id,
                                  Booking.session_id == new.id,
                                  Booking.status.in_(ACTIVE_STATUSES))
        ).scalar_one_or_none()
        if existing is not None:
            raise errors.AlreadyBooked(existing.reference)
        status, position = seat_or_waitlist(s, new, waitlist_ok, now)
        booking.session = new
        booking.status, booking.position = status, position
        booking.promoted_at = None
        booking.offered_at = None
        booking.offer_expires_at = None
        booking.reminder_sent_at = None
        booking.same_day_reminder_sent_at = None
        booking.sequence += 1
        s.flush()
        conversation_cae.refresh_person(s, booking.person_id)
        promoted = promote_waitlist(s, old, now)
        old_info = session_info_of(s, old)
        return ChangeResult(
            booking=booking_info(s, booking),
            promoted=[booking_info(s, b, old_info) for b in promoted],
        )

    result = db.run(work)
    send_notices([result.booking], "date_changed", mailer, notify)
    send_notices(result.promoted, "promotion", mailer, notify)
    return result


def claim_offer(db: Database, reference: str, email: Any, now: Optional[datetime] = None,
                mailer=None, notify: bool = True) -> ClaimResult:
    """Take the seat offered to this waitlisted booking (``email``: the address,
    or ``SIGNED_LINK``). A live offer always gets it (the seat was held). After
    the offer lapsed, a seat nobody else is waiting for is given too; otherwise
    ``claimed`` is False, the person stays on the list (and may be offered the
    next seat again). The confirmation e-mail, with the invitation, follows.

    Raises BookingNotFound, EmailMismatch, AlreadyCancelled, AlreadyRegistered,
    NotChangeable, SessionPast, SessionCancelled, SessionClosed.
    """
    now = now_utc(now)

    def work(s: Session) -> ClaimResult:
        booking = _load_booking(s, reference, email)
        sess = lock_session(s, booking.session_id)
        booking = _load_booking(s, reference, email)
        if booking.status == CANCELLED:
            raise errors.AlreadyCancelled()
        if booking.status == REGISTERED:
            raise errors.AlreadyRegistered()
        if booking.status != WAITLISTED:
            raise errors.NotChangeable()
        _check_bookable(sess, now)
        if booking.offered_at is not None and as_utc(booking.offer_expires_at) > now:
            mark_seated(booking, now)
            s.flush()
            return ClaimResult(booking_info(s, booking), True)
        # No live offer: back among those offered the next seat, then see if one is free.
        booking.offered_at = None
        booking.offer_expires_at = None
        s.flush()
        held, _ = _counts(s, [sess.id])[sess.id]
        ahead = s.execute(
            select(func.count()).select_from(Booking).where(
                Booking.session_id == sess.id, Booking.status == WAITLISTED,
                Booking.offered_at.is_(None), Booking.offer_expires_at.is_(None),
                Booking.position < booking.position)
        ).scalar_one()
        if sess.capacity - held > ahead:
            mark_seated(booking, now)
            s.flush()
            return ClaimResult(booking_info(s, booking), True)
        promoted = promote_waitlist(s, sess, now)  # a seat their lapsed offer held goes on
        return ClaimResult(booking_info(s, booking), False,
                           [booking_info(s, b) for b in promoted])

    result = db.run(work)
    if result.claimed:
        send_notices([result.booking], "confirmation", mailer, notify)
    send_notices(result.promoted, "promotion", mailer, notify)
    return result


def pass_expired_offers(db: Database, now: Optional[datetime] = None, mailer=None,
                        notify: bool = True) -> List[BookingInfo]:
    """Offers not claimed in time pass to the next person waiting (run it from a
    periodic job, like the reminders). Returns the bookings newly offered a seat.
    Idempotent: each session is handled under its lock."""
    now = now_utc(now)
    with db.reader() as s:
        session_ids = sorted(set(s.execute(
            select(Booking.session_id).where(Booking.status == WAITLISTED,
                                             Booking.offered_at.is_not(None),
                                             Booking.offer_expires_at <= now)
        ).scalars()))
    offered: List[BookingInfo] = []
    for session_id in session_ids:

        def work(s: Session, session_id=session_id) -> List[BookingInfo]:
            sess = lock_session(s, session_id)
            for booking in s.execute(
                select(Booking).where(Booking.session_id == sess.id,
                                      Booking.status == WAITLISTED,
                                      Booking.offered_at.is_not(None),
                                      Booking.offer_expires_at <= now)
                .execution_options(populate_existing=True)
            ).scalars():
                booking.offered_at = None  # offer_expires_at stays: lapsed
            s.flush()
            return [booking_info(s, b) for b in promote_waitlist(s, sess, now)]

        offered.extend(db.run(work))
    send_notices(offered, "promotion", mailer, notify)
    return offered


def _people_with(s: Session, email: str) -> List[Person]:
    return list(s.execute(select(Person).where(Person.email == email, Person.erased_at.is_(None))
                          .order_by(Person.id)).scalars())


def export_records(db: Database, person_ids: Iterable[int]) -> Dict[str, Any]:
    """These person records and their bookings (JSON-ready dict): ``person`` (the
    first), ``bookings`` (all), ``other_records`` (the other records, if any)."""
    with db.reader() as s:
        people = [p for p in (s.get(Person, i) for i in sorted(set(person_ids)))
                  if p is not None and p.erased_at is None]
        if not people:
            return {}
        bookings = s.execute(
            select(Booking).where(Booking.person_id.in_([p.id for p in people]))
            .order_by(Booking.created_at)
        ).scalars().all()

        def record(person: Person) -> Dict[str, Any]:
            return {"first_name": person.first_name, "last_name": person.last_name,
                    "email": person.email, "phone": person.phone,
                    "consent_at": person.consent_at, "created_at": person.created_at}

        document = {
            "person": record(people[0]),
            "bookings": [
                {
                    "reference": b.reference,
                    "status": b.status,
                    "created_at": b.created_at,
                    "cancelled_at": b.cancelled_at,
                    "promoted_at": b.promoted_at,
                    "reminder_sent_at": b.reminder_sent_at,
                    "same_day_reminder_sent_at": b.same_day_reminder_sent_at,
                    "offered_at": b.offered_at,
                    "offer_expires_at": b.offer_expires_at,
                    "session": session_info_of(s, b.session).as_dict(),
                }
                for b in bookings
            ],
        }
        if len(people) > 1:
            document["other_records"] = [record(p) for p in people[1:]]
        return _jsonable(document)


def export_person(db: Database, email: str) -> Dict[str, Any]:
    """Everything stored with this e-mail (JSON-ready dict, see ``export_records``):
    for callers that proved the address. Raises InvalidEmail or PersonNotFound.
    """
    email = normalize_email(email)
    with db.reader() as s:
        ids = [p.id for p in _people_with(s, email)]
    if not ids:
        raise errors.PersonNotFound()
    return export_records(db, ids)


def erase_records(db: Database, person_ids: Iterable[int], now: Optional[datetime] = None,
                  mailer=None, notify: bool = True) -> Dict[str, Any]:
    """Anonymise these person records (names, e-mail, phone, consent wiped). Bookings
    stay for the statistics; those still to come are cancelled first (their seats go
    to the waiting lists) and their people get the cancelled invitation (so the
    event leaves their calendar). Returns ``{"bookings_kept": n, "cancelled":
    [refs], "promoted": [BookingInfo]}``."""
    ids = sorted(set(person_ids))
    now = now_utc(now)

    def work(s: Session) -> Dict[str, Any]:
        people = [p for p in (s.get(Person, i) for i in ids) if p is not None and p.erased_at is None]
        pids = [p.id for p in people]
        if not pids:
            return {"bookings_kept": 0, "cancelled": [], "promoted": [], "notices": []}
        active = s.execute(
            select(Booking.session_id).where(Booking.person_id.in_(pids),
                                             Booking.status.in_((REGISTERED, WAITLISTED)))
        ).scalars().all()
        sessions = [lock_session(s, sid) for sid in sorted(set(active))]
        cancelled, notices, promoted = [], [], []
        for sess in sessions:
            if sess.starts_at <= now:
                continue
            for booking in s.execute(
                select(Booking).where(Booking.person_id.in_(pids),
                                      Booking.session_id == sess.id,
                                      Booking.status.in_((REGISTERED, WAITLISTED)))
                .execution_options(populate_existing=True)
            ).scalars():
                mark_cancelled(booking, now)
                cancelled.append(booking.reference)
                s.flush()
                notices.append(booking_info(s, booking))  # with the address, before it goes
            s.flush()
            promoted.extend(promote_waitlist(s, sess, now))
        promoted_infos = [booking_info(s, b) for b in promoted]
        kept = s.execute(
            select(func.count()).select_from(Booking).where(Booking.person_id.in_(pids))
        ).scalar_one()
        s.execute(delete(PersonNote).where(PersonNote.person_id.in_(pids)))  # coaches' notes go too
        for person in people:
            person.first_name = ""
            person.last_name = ""
            person.email = None
            person.phone = None
            person.consent_at = None
            person.erased_at = now
        return {"bookings_kept": kept, "cancelled": cancelled, "promoted": promoted_infos,
                "notices": notices}

    result = db.run(work)
    # The cancelled invitations (METHOD:CANCEL) go out so that the events leave the
    # person's calendar; the addresses live only in memory until then.
    send_notices(result.pop("notices"), "erased", mailer, notify)
    send_notices(result["promoted"], "promotion", mailer, notify)
    return result


def erase_person(db: Database, email: str, now: Optional[datetime] = None, mailer=None,
                 notify: bool = True) -> Dict[str, Any]:
    """``erase_records`` for every record with this e-mail (for callers that proved
    the address). Raises InvalidEmail or PersonNotFound."""
    email = normalize_email(email)
    with db.reader() as s:
        ids = [p.id for p in _people_with(s, email)]
    if not ids:
        raise errors.PersonNotFound()
    return erase_records(db, ids, now=now, mailer=mailer, notify=notify)
