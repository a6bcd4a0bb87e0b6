"""The people a coach follows, as the dashboard and the API read them: the list,
one person's file (bookings, eligibility outcomes, module progress) and the
scope check before acting on someone.

Scope comes from ``bot.scope`` and is applied in SQL (a coach's query never
loads another CAE's people). Plain records out, never ORM rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, select

from bot.booking import service
from bot.curriculum import service as curriculum
from bot.scope import OutOfScope, Scope
from bot.storage.db import Database
from bot.storage.models import Booking, EligibilityOutcome, Person

OTHER_CAE = "Cette personne suit une autre CAE."


class PersonNotFound(LookupError):
    """No such person, or erased."""


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
class PersonFile:
    person: PersonRecord
    bookings: list[PersonBooking] = field(default_factory=list)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    progress: dict[str, Any] = field(default_factory=dict)


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
        outcomes = [OutcomeRecord(o.created_at, o.status, o.redirect, o.matched)
                    for o in s.execute(select(EligibilityOutcome)
                                       .where(EligibilityOutcome.person_id == person_id)
                                       .order_by(EligibilityOutcome.created_at)).scalars()]
        record = _record(person, len(rows))
    return PersonFile(record, bookings, outcomes, curriculum.person_progress(db, person_id))
