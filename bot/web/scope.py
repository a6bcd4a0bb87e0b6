"""Which people a coach may see: those with a booking in one of the coach's CAE
sessions, or enrolled by a coach of that CAE; admins without a CAE see everyone."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Booking, Coach, Enrolment, InfoSession
from bot.web.auth import CoachInfo


def person_cae_ids(s, person_id: int) -> set[int]:
    booked = s.execute(select(InfoSession.cae_id).join(Booking, Booking.session_id == InfoSession.id)
                       .where(Booking.person_id == person_id)).scalars().all()
    enrolled = s.execute(select(Coach.cae_id).join(Enrolment, Enrolment.enrolled_by == Coach.id)
                         .where(Enrolment.person_id == person_id)).scalars().all()
    return {c for c in list(booked) + list(enrolled) if c is not None}


def sees_everyone(coach: CoachInfo) -> bool:
    return coach.is_admin and coach.cae_id is None


def can_see_person(db: Database, coach: CoachInfo, person_id: int) -> bool:
    if sees_everyone(coach):
        return True
    with db.reader() as s:
        return coach.cae_id in person_cae_ids(s, person_id)
