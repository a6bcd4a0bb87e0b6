"""The people a coach follows, as the dashboard and the API read them: the list
and the search (name, e-mail, phone, booking reference), one person's file
(bookings, eligibility outcomes and conversations, module progress, notes), the
scope check before acting on someone, and what a coach does from the file:
add a note, cancel or move a booking.

Scope comes from ``bot.scope`` and is applied in SQL (a coach's query never
loads another CAE's people). Plain records out, never ORM rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import re

from sqlalchemy import and_, func, or_, select

from bot.booking import errors as booking_errors
from bot.booking import service
from bot.curriculum import service as curriculum
from bot.errors import UserError
from bot.scope import OutOfScope, Scope
from bot.text import fold
from bot.storage.db import Database, contains
from bot.storage.models import (
    SESSION_PLANNED, Booking, Coach, ConversationLink, EligibilityOutcome, InfoSession, Person, PersonNote,
)

OTHER_CAE = "Cette personne suit une autre CAE."
MAX_NOTE = 2000
MAX_COMMENT = 1000  # a validation comment, kept as a note
MAX_QUERY = 100
SEARCH_LIMIT = 200


class PersonNotFound(LookupError):
    """No such person, or erased."""


class PersonError(UserError):
    code = "person_error"


@dataclass(frozen=True)
class PersonRecord:
    id: int
    first_name: str
    last_name: str
    email: Optional[str]
    phone: Optional[str]
    consent_at: Optional[datetime]
    bookings: int = 0  # how many bookings (any status)


@dataclass(frozen=True)
class PersonBooking:
    reference: str
    status: str
    session: service.SessionInfo
    cae: str


@dataclass(frozen=True)
class OutcomeRecord:
    created_at: datetime
    status: str
    redirect: Optional[str]
    matched: str


@dataclass(frozen=True)
class NoteRecord:
    created_at: datetime
    text: str
    coach: str  # the coach's e-mail ("" once the account is gone)


@dataclass(frozen=True)
class PersonFile:
    person: PersonRecord
    bookings: list[PersonBooking] = field(default_factory=list)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    progress: dict[str, Any] = field(default_factory=dict)
    conversations: list[str] = field(default_factory=list)  # tracker sender ids linked to them
    notes: list[NoteRecord] = field(default_factory=list)


def _record(person: Person, bookings: int = 0) -> PersonRecord:
    return PersonRecord(person.id, person.first_name, person.last_name, person.email, person.phone,
                        person.consent_at, bookings)


def list_people(db: Database, scope: Scope) -> list[PersonRecord]:
    """The people in scope (not erased), newest first, with their number of bookings:
    one query."""
    count = (select(func.count()).select_from(Booking).where(Booking.person_id == Person.id)
             .correlate(Person).scalar_subquery())
    query = (select(Person, count)
             .where(Person.erased_at.is_(None), scope.person_condition(Person.id))
             .order_by(Person.created_at.desc(), Person.id.desc()))
    with db.reader() as s:
        return [_record(person, n) for person, n in s.execute(query)]


def require_person(db: Database, scope: Scope, person_id: int) -> int:
    """``person_id`` if this scope may act on them; OutOfScope otherwise (also for
    an unknown id, unless the scope is everything: the caller's operation then
    says it is unknown)."""
    with db.reader() as s:
        if not scope.sees_person(s, person_id):
            raise OutOfScope(OTHER_CAE)
    return person_id


def person_file(db: Database, scope: Scope, person_id: int) -> PersonFile:
    """One person's file. PersonNotFound (unknown or erased), OutOfScope."""
    with db.reader() as s:
        person = s.get(Person, person_id)
        if person is None or person.erased_at is not None:
            raise PersonNotFound()
        if not scope.sees_person(s, person_id):
            raise OutOfScope(OTHER_CAE)
        rows = s.execute(select(Booking).where(Booking.person_id == person_id)
                         .order_by(Booking.created_at, Booking.id)).scalars().all()
        infos = service.session_infos(s, [b.session for b in rows])
        bookings = [PersonBooking(b.reference, b.status, infos[b.session_id], b.session.cae.name)
                    for b in rows]
        conversations = sorted(set(s.execute(select(ConversationLink.conversation_id).where(
            ConversationLink.person_id == person_id)).scalars()))
        # Checks made in a conversation later linked to them count as theirs.
        outcomes = [OutcomeRecord(o.created_at, o.status, o.redirect, o.matched)
                    for o in s.execute(select(EligibilityOutcome).where(or_(
                        EligibilityOutcome.person_id == person_id,
                        EligibilityOutcome.conversation_id.in_(conversations)))
                        .order_by(EligibilityOutcome.created_at, EligibilityOutcome.id)).scalars()]
        notes = [NoteRecord(n.created_at, n.text, email or "") for n, email in s.execute(
            select(PersonNote, Coach.email).outerjoin(Coach, Coach.id == PersonNote.coach_id)
            .where(PersonNote.person_id == person_id)
            .order_by(PersonNote.created_at.desc(), PersonNote.id.desc()))]
        record = _record(person, len(rows))
    return PersonFile(record, bookings, outcomes, curriculum.person_progress(db, person_id),
                      conversations, notes)


# --------------------------------------------------------------------------- search


def _digits_pattern(query: str) -> Optional[str]:
    """The digits to look for in phone numbers, without a national prefix
    ("06 12 34" → "612 34" as "61234"), or None if the query is not a number."""
    if not re.fullmatch(r"[\d\s.+()-]{4,}", query):
        return None
    digits = re.sub(r"\D", "", query)
    for prefix in ("0033", "33", "0"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 2:
            digits = digits[len(prefix):]
            break
    return digits if len(digits) >= 3 else None


def _search_condition(query: str):
    """Each folded word in the name or e-mail (``person.search_text``: case and
    accents ignored), or the digits in the phone, or a booking reference."""
    conditions = [and_(*[contains(Person.search_text, w) for w in fold(query).split()])]
    digits = _digits_pattern(query)
    if digits:
        phone = func.replace(func.replace(func.replace(func.replace(func.replace(
            func.coalesce(Person.phone, ""), " ", ""), ".", ""), "-", ""), "+", ""), "/", "")
        conditions.append(contains(phone, digits))
    reference = re.sub(r"[^A-Z0-9-]", "", query.upper())
    if len(reference) >= 4:
        conditions.append(Person.id.in_(select(Booking.person_id).where(
            contains(Booking.reference, reference))))
    return or_(*conditions)


def search_people(db: Database, scope: Scope, query: str, limit: int = SEARCH_LIMIT) -> list[PersonRecord]:
    """The people in scope whose name, e-mail, phone or a booking reference
    matches ``query`` (each word in the name or e-mail; case and accents
    ignored: "lea" finds "Léa"), in SQL."""
    return search_people_counted(db, scope, query, limit)[0]


def search_people_counted(db: Database, scope: Scope, query: str,
                          limit: int = SEARCH_LIMIT) -> tuple[list[PersonRecord], int]:
    """``search_people`` and how many match in all."""
    query = " ".join(str(query or "").split())[:MAX_QUERY]
    if not query:
        everyone = list_people(db, scope)
        return everyone[:limit], len(everyone)
    where = (Person.erased_at.is_(None), scope.person_condition(Person.id), _search_condition(query))
    count = (select(func.count()).select_from(Booking).where(Booking.person_id == Person.id)
             .correlate(Person).scalar_subquery())
    statement = (select(Person, count).where(*where)
                 .order_by(Person.last_name, Person.first_name, Person.id).limit(limit))
    with db.reader() as s:
        total = s.execute(select(func.count()).select_from(Person).where(*where)).scalar_one()
        return [_record(person, n) for person, n in s.execute(statement)], total


# --------------------------------------------------------------------------- actions


def _live_person(s, scope: Scope, person_id: int) -> Person:
    person = s.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise PersonNotFound()
    if not scope.sees_person(s, person_id):
        raise OutOfScope(OTHER_CAE)
    return person


def require_live_person(db: Database, scope: Scope, person_id: int) -> int:
    """``person_id`` if they exist, are not erased (PersonNotFound) and are in scope (OutOfScope)."""
    with db.reader() as s:
        _live_person(s, scope, person_id)
    return person_id


def add_note(db: Database, scope: Scope, person_id: int, coach_id: Optional[int], text: str) -> NoteRecord:
    """A coach's note on the file (at most MAX_NOTE characters, not empty)."""
    text = str(text or "").strip()
    if not text:
        raise PersonError("La note est vide.")
    if len(text) > MAX_NOTE:
        raise PersonError(f"La note doit faire au plus {MAX_NOTE} caractères.")

    def work(s) -> NoteRecord:
        _live_person(s, scope, person_id)
        note = PersonNote(person_id=person_id, coach_id=coach_id, text=text, created_at=service.now_utc())
        s.add(note)
        s.flush()
        return NoteRecord(note.created_at, note.text, "")

    return db.run(work)


def _booking_email(db: Database, scope: Scope, person_id: int, reference: str) -> str:
    """The address a booking of this person was made with (the service's check)."""
    reference = service.normalize_reference(reference)
    with db.reader() as s:
        person = _live_person(s, scope, person_id)
        booking = s.execute(select(Booking).where(Booking.reference == reference,
                                                  Booking.person_id == person_id)).scalar_one_or_none()
        if booking is None:
            raise booking_errors.BookingNotFound()
        return person.email or ""


def cancel_booking(db: Database, scope: Scope, person_id: int, reference: str, mailer=None,
                   notify: bool = True):
    """Cancel one of this person's bookings for them (they are told by e-mail, the
    seat goes to the waiting list). BookingError subclasses as the service raises."""
    email = _booking_email(db, scope, person_id, reference)
    return service.cancel(db, reference, email, mailer=mailer, notify=notify)


def move_booking(db: Database, scope: Scope, person_id: int, reference: str, session_id: int,
                 mailer=None, notify: bool = True):
    """Move one of this person's bookings to another session of a CAE in scope
    (seat, or waiting list when full)."""
    email = _booking_email(db, scope, person_id, reference)
    with db.reader() as s:
        target = s.get(InfoSession, int(session_id)) if 0 < int(session_id) < 2**31 else None
        if target is None or not scope.sees_cae(target.cae_id):
            raise booking_errors.SessionNotFound()
    return service.change_date(db, reference, email, int(session_id), waitlist_ok=True,
                               mailer=mailer, notify=notify)


def move_choices(db: Database, scope: Scope, limit: int = 30) -> list[service.SessionInfo]:
    """Planned sessions to come in scope, soonest first: where a booking may move."""
    now = service.now_utc()
    with db.reader() as s:
        rows = s.execute(select(InfoSession).where(
            scope.cae_condition(InfoSession.cae_id), InfoSession.status == SESSION_PLANNED,
            InfoSession.starts_at > now).order_by(InfoSession.starts_at, InfoSession.id).limit(limit)).scalars().all()
        infos = service.session_infos(s, rows)
        return [infos[r.id] for r in rows]
