"""Reminder e-mails: two days before at 9:00 Paris time (J-2), and for video
sessions a second one on the day, with the link.

When: ``ReminderPolicy`` (environment ``CAE_REMINDER_DAYS_BEFORE``, default 2;
``CAE_REMINDER_AT``, default ``09:00``; ``CAE_SAME_DAY_REMINDER_AT``, default
``09:00``, moved to one hour before the start for a session starting earlier
than that plus one hour). Times are wall-clock times in Europe/Paris, so a
change of summer time moves nothing.

Who: registered bookings of sessions that are not cancelled (a session whose
registrations are closed still takes place). A cancelled booking, one on the
waiting list, or one whose seat was given after the reminder's time (the
confirmation e-mail just said it all) gets none. A reminder missed while
nothing ran (server stopped at 9:00) goes out at the next run, until the start
(the J-2 one of a video session only until the eve: on the day, the
reminder of the day says it).

Never twice: each reminder has its own column (``reminder_sent_at``,
``same_day_reminder_sent_at``), claimed with a conditional UPDATE before the
e-mail goes out, so two processes running the job at once, or a restart, send
it once; a failed send releases it and the next run retries. A crash between
the claim and the send loses that one reminder rather than sending it twice.

Run: the web app calls ``send_due_reminders`` every ``CAE_REMINDER_INTERVAL_S``
seconds (300; ``bot/web/app.py``), so ``make run`` and ``make run-prod`` send
them; ``python -m bot.booking.reminders`` runs the job once (for cron).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import List, Mapping, Optional

from sqlalchemy import or_, select, update

from bot.booking.emails import notify
from bot.booking.service import booking_info, now_utc
from bot.dates import PARIS
from bot.mail import mailer_from_env
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import (
    REGISTERED, SESSION_CANCELLED, Booking, InfoSession, Place, as_utc,
)

logger = logging.getLogger(__name__)

J2 = "reminder"  # mail kinds (bot/booking/emails.py)
SAME_DAY = "reminder_today"
SAME_DAY_LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: int = 2
    at: time = time(9, 0)
    same_day_at: time = time(9, 0)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "ReminderPolicy":
        """The policy of the settings (bot/settings.py): ``CAE_REMINDER_DAYS_BEFORE``,
        ``CAE_REMINDER_AT``, ``CAE_SAME_DAY_REMINDER_AT``."""
        settings = Settings(env)
        return cls(settings.reminder_days_before, settings.reminder_at,
                   settings.same_day_reminder_at)

    def j2_due(self, starts_at: datetime) -> datetime:
        """J-2 at 9:00, Paris wall-clock time."""
        day = as_utc(starts_at).astimezone(PARIS).date() - timedelta(days=self.days_before)
        return datetime.combine(day, self.at, tzinfo=PARIS).astimezone(as_utc(starts_at).tzinfo)

    def day_start(self, starts_at: datetime) -> datetime:
        """Midnight, Paris time, of the session's day."""
        start = as_utc(starts_at)
        return datetime.combine(start.astimezone(PARIS).date(), time(0, 0), tzinfo=PARIS
                                ).astimezone(start.tzinfo)

    def same_day_due(self, starts_at: datetime) -> datetime:
        """The day of the session at 9:00 Paris time, or one hour before an earlier start."""
        start = as_utc(starts_at)
        at = datetime.combine(start.astimezone(PARIS).date(), self.same_day_at, tzinfo=PARIS)
        return min(at.astimezone(start.tzinfo), start - SAME_DAY_LEAD)


# Every reminder is due at most this long before the start: the SQL pre-filter.
def _horizon(policy: ReminderPolicy) -> timedelta:
    return timedelta(days=policy.days_before + 1)


@dataclass(frozen=True)
class Due:
    booking_id: int
    kind: str


def _is_video(sess: InfoSession, place: Optional[Place]) -> bool:
    return bool(sess.video_url) or bool(place is not None and place.is_video)


def due_reminders(db: Database, now: datetime, policy: Optional[ReminderPolicy] = None) -> List[Due]:
    """The reminders to send at ``now`` (soonest session first)."""
    policy = policy or ReminderPolicy.from_env()
    with db.reader() as s:
        rows = s.execute(
            select(Booking, InfoSession, Place)
            .join(InfoSession, Booking.session_id == InfoSession.id)
            .outerjoin(Place, InfoSession.place_id == Place.id)
            .where(
                Booking.status == REGISTERED,
                or_(Booking.reminder_sent_at.is_(None), Booking.same_day_reminder_sent_at.is_(None)),
                InfoSession.status != SESSION_CANCELLED,
                InfoSession.starts_at > now,
                InfoSession.starts_at <= now + _horizon(policy),
            )
            .order_by(InfoSession.starts_at, Booking.id)
        ).all()
        due: List[Due] = []
        for booking, sess, place in rows:
            seated_at = as_utc(booking.promoted_at or booking.created_at)
            video = _is_video(sess, place)
            j2_at, today_at = policy.j2_due(sess.starts_at), policy.same_day_due(sess.starts_at)
            j2_until = min(today_at, policy.day_start(sess.starts_at)) if video else as_utc(sess.starts_at)
            if (booking.reminder_sent_at is None and j2_at <= now < j2_until
                    and seated_at < j2_at):
                due.append(Due(booking.id, J2))
            if (video and booking.same_day_reminder_sent_at is None and today_at <= now
                    and seated_at < today_at):
                due.append(Due(booking.id, SAME_DAY))
        return due


_COLUMN = {J2: Booking.reminder_sent_at, SAME_DAY: Booking.same_day_reminder_sent_at}


def send_due_reminders(db: Database, now: Optional[datetime] = None, mailer=None,
                       policy: Optional[ReminderPolicy] = None) -> List[str]:
    """Send the reminders due at ``now``; returns the references reminded (one
    entry per e-mail sent)."""
    now = now_utc(now)
    mailer = mailer or mailer_from_env()
    sent: List[str] = []
    for item in due_reminders(db, now, policy):
        column = _COLUMN[item.kind]

        def claim(s, item=item, column=column):
            claimed = s.execute(
                update(Booking)
                .where(Booking.id == item.booking_id, column.is_(None), Booking.status == REGISTERED)
                .values({column.key: now})
                .execution_options(synchronize_session=False)
            ).rowcount
            if not claimed:
                return None
            return booking_info(s, s.get(Booking, item.booking_id))

        info = db.run(claim)
        if info is None:  # another worker got it first, or it changed meanwhile
            continue
        if notify(info, item.kind, mailer=mailer):
            sent.append(info.reference)
            continue

        def release(s, item=item, column=column):
            s.execute(
                update(Booking).where(Booking.id == item.booking_id, column == now)
                .values({column.key: None}).execution_options(synchronize_session=False)
            )

        db.run(release)
    if sent:
        logger.info("%s reminder(s) sent", len(sent))
    return sent


def main() -> int:
    """``python -m bot.booking.reminders``: send the reminders due now, once."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    db = Database()
    try:
        sent = send_due_reminders(db)
    finally:
        db.dispose()
    print(f"{len(sent)} rappel(s) envoyé(s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
