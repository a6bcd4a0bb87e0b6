"""After a session: the attendance sheet, the sessions "à clore" and the no-show rate.

Every query is limited in SQL to the caller's CAE (``bot.scope.Scope``: a
coach's CAE, or everything for an admin without a CAE); a session of another
CAE is ``SessionNotFound``, as if it did not exist.

- "À clore": a session that has ended, is not cancelled, and still has people
  marked only "inscrit" (their presence not recorded yet).
- No-show rate: absent ÷ (present + absent), as in the activity overview
  (``bot/overview.py``); "excusé" (said beforehand) is not a no-show, and
  people whose presence is not recorded are left out (and counted apart).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import and_, case, func, select

from bot.booking import errors
from bot.booking.records import SessionInfo
from bot.booking.service import now_utc, session_info_of
from bot.scope import Scope
from bot.storage.db import Database
from bot.storage.models import (
    ABSENT, ATTENDED, EXCUSED, REGISTERED, SEATED_STATUSES, SESSION_CANCELLED,
    Booking, Cae, InfoSession, Person,
)

# States of a session for the coaches (French labels in the templates).
UPCOMING, TO_CLOSE, CLOSED, CANCELLED = "a_venir", "a_clore", "close", "annulee"
STATE_FR = {UPCOMING: "à venir", TO_CLOSE: "à clore", CLOSED: "présences notées",
            CANCELLED: "annulée"}


def scoped(query, scope: Scope):
    """``query`` (on InfoSession) limited to the scope's CAE."""
    return query.where(scope.cae_condition(InfoSession.cae_id))  # a coach without CAE sees none


def session_in_scope(db: Database, session_id: int, scope: Scope) -> SessionInfo:
    with db.reader() as s:
        sess = s.execute(scoped(select(InfoSession).where(InfoSession.id == int(session_id)), scope)
                         ).scalar_one_or_none()
        if sess is None:
            raise errors.SessionNotFound()
        return session_info_of(s, sess)


@dataclass(frozen=True)
class Attendee:
    reference: str
    first_name: str
    last_name: str
    email: Optional[str]
    phone: Optional[str]
    status: str


@dataclass(frozen=True)
class AttendanceSheet:
    session: SessionInfo
    attendees: List[Attendee]  # seated people, by last name then first name
    waitlisted: int


def attendance_sheet(db: Database, session_id: int, scope: Scope) -> AttendanceSheet:
    """The people expected at a session (registered, or already marked), for the
    printable sign-in sheet."""
    info = session_in_scope(db, session_id, scope)
    with db.reader() as s:
        rows = s.execute(
            select(Booking.reference, Person.first_name, Person.last_name, Person.email,
                   Person.phone, Booking.status)
            .join(Person, Booking.person_id == Person.id)
            .where(Booking.session_id == info.id, Booking.status.in_(SEATED_STATUSES))
            .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Booking.id)
        ).all()
    return AttendanceSheet(info, [Attendee(*row) for row in rows], info.waitlist_count)


@dataclass(frozen=True)
class SessionAttendance:
    session_id: int
    cae_name: str
    starts_at: datetime
    ends_at: datetime
    is_video: bool
    city: Optional[str]
    status: str
    attended: int
    absent: int
    excused: int
    unmarked: int  # still "inscrit"
    state: str

    @property
    def no_show_rate(self) -> Optional[float]:
        seen = self.attended + self.absent
        return self.absent / seen if seen else None


def _count(status: str):
    return func.sum(case((Booking.status == status, 1), else_=0))


def past_sessions(db: Database, scope: Scope, now: Optional[datetime] = None,
                  since: Optional[datetime] = None, only_to_close: bool = False,
                  limit: int = 500) -> List[SessionAttendance]:
    """Sessions that have ended (newest first), with their attendance counts and
    state; ``only_to_close``: those whose attendance is still to be recorded."""
    now = now_utc(now)
    from bot.storage.models import Place

    counts = (
        select(InfoSession.id, Cae.name, InfoSession.starts_at, InfoSession.ends_at,
               InfoSession.video_url, Place.is_video, Place.city, InfoSession.status,
               func.coalesce(_count(ATTENDED), 0), func.coalesce(_count(ABSENT), 0),
               func.coalesce(_count(EXCUSED), 0), func.coalesce(_count(REGISTERED), 0))
        .join(Cae, InfoSession.cae_id == Cae.id)
        .outerjoin(Place, InfoSession.place_id == Place.id)
        .outerjoin(Booking, and_(Booking.session_id == InfoSession.id,
                                 Booking.status.in_(SEATED_STATUSES)))
        .where(InfoSession.ends_at <= now)
        .group_by(InfoSession.id, Cae.name, InfoSession.starts_at, InfoSession.ends_at,
                  InfoSession.video_url, Place.is_video, Place.city, InfoSession.status)
        .order_by(InfoSession.starts_at.desc(), InfoSession.id.desc())
        .limit(limit)
    )
    if since is not None:
        counts = counts.where(InfoSession.starts_at >= since)
    if only_to_close:
        counts = counts.where(InfoSession.status != SESSION_CANCELLED).having(_count(REGISTERED) > 0)
    with db.reader() as s:
        rows = s.execute(scoped(counts, scope)).all()
    result = []
    for sid, cae, starts, ends, video_url, place_video, city, status, att, absn, exc, unm in rows:
        state = (CANCELLED if status == SESSION_CANCELLED else TO_CLOSE if unm else CLOSED)
        result.append(SessionAttendance(sid, cae, starts, ends, bool(video_url or place_video),
                                        city, status, int(att), int(absn), int(exc), int(unm), state))
    return result


def sessions_to_close(db: Database, scope: Scope, now: Optional[datetime] = None
                      ) -> List[SessionAttendance]:
    return past_sessions(db, scope, now, only_to_close=True)


def session_state(session: SessionInfo, unmarked: int, now: Optional[datetime] = None) -> str:
    now = now_utc(now)
    if session.status == SESSION_CANCELLED:
        return CANCELLED
    if session.ends_at > now:
        return UPCOMING
    return TO_CLOSE if unmarked else CLOSED


@dataclass(frozen=True)
class CaeNoShow:
    cae_id: int
    cae_name: str
    sessions: int  # held (not cancelled, ended) in the period
    attended: int
    absent: int
    excused: int
    unmarked: int

    @property
    def no_show_rate(self) -> Optional[float]:
        seen = self.attended + self.absent
        return self.absent / seen if seen else None


def no_show_by_cae(db: Database, scope: Scope, now: Optional[datetime] = None,
                   since: Optional[datetime] = None) -> List[CaeNoShow]:
    """Per CAE, over the sessions held (ended, not cancelled) since ``since``."""
    now = now_utc(now)
    query = (
        select(Cae.id, Cae.name, func.count(func.distinct(InfoSession.id)),
               func.coalesce(_count(ATTENDED), 0), func.coalesce(_count(ABSENT), 0),
               func.coalesce(_count(EXCUSED), 0), func.coalesce(_count(REGISTERED), 0))
        .join(InfoSession, InfoSession.cae_id == Cae.id)
        .outerjoin(Booking, and_(Booking.session_id == InfoSession.id,
                                 Booking.status.in_(SEATED_STATUSES)))
        .where(InfoSession.ends_at <= now, InfoSession.status != SESSION_CANCELLED)
        .group_by(Cae.id, Cae.name)
        .order_by(Cae.name)
    )
    if since is not None:
        query = query.where(InfoSession.starts_at >= since)
    with db.reader() as s:
        rows = s.execute(scoped(query, scope)).all()
    return [CaeNoShow(int(i), name, int(n), int(a), int(b), int(c), int(d))
            for i, name, n, a, b, c, d in rows]


def unmarked_counts(db: Database, session_ids: List[int]) -> Dict[int, int]:
    """session id → people still "inscrit" (for the state of sessions listed elsewhere)."""
    if not session_ids:
        return {}
    with db.reader() as s:
        rows = s.execute(select(Booking.session_id, func.count())
                         .where(Booking.session_id.in_(session_ids), Booking.status == REGISTERED)
                         .group_by(Booking.session_id)).all()
    return {sid: int(n) for sid, n in rows}
