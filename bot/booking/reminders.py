"""Reminder e-mails, one per registered booking, sent within 48 h of the session.

``send_due_reminders`` is idempotent: run it every few minutes from any
scheduler; a restart loses nothing and nobody gets two reminders (each booking
is claimed with a conditional UPDATE before its e-mail goes out, and released
if sending fails so the next run retries).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select, update

from bot.booking.emails import notify
from bot.booking.service import booking_info, now_utc
from bot.mail import mailer_from_env
from bot.storage.db import Database
from bot.storage.models import REGISTERED, SESSION_PLANNED, Booking, InfoSession

logger = logging.getLogger(__name__)

REMINDER_WINDOW = timedelta(hours=48)


def due_booking_ids(db: Database, now: datetime, window: timedelta = REMINDER_WINDOW) -> List[int]:
    with db.reader() as s:
        return list(s.execute(
            select(Booking.id)
            .join(InfoSession, Booking.session_id == InfoSession.id)
            .where(
                Booking.status == REGISTERED,
                Booking.reminder_sent_at.is_(None),
                InfoSession.status == SESSION_PLANNED,
                InfoSession.starts_at > now,
                InfoSession.starts_at <= now + window,
            )
            .order_by(InfoSession.starts_at, Booking.id)
        ).scalars())


def send_due_reminders(db: Database, now: Optional[datetime] = None, mailer=None,
                       window: timedelta = REMINDER_WINDOW) -> List[str]:
    """Send the reminders due at ``now``; returns the references reminded."""
    now = now_utc(now)
    mailer = mailer or mailer_from_env()
    sent: List[str] = []
    for booking_id in due_booking_ids(db, now, window):

        def claim(s, booking_id=booking_id):
            claimed = s.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.reminder_sent_at.is_(None),
                       Booking.status == REGISTERED)
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not claimed:
                return None
            return booking_info(s, s.get(Booking, booking_id))

        info = db.run(claim)
        if info is None:  # another worker got it first, or it changed meanwhile
            continue
        if notify(info, "reminder", mailer=mailer):
            sent.append(info.reference)
            continue

        def release(s, booking_id=booking_id):
            s.execute(
                update(Booking).where(Booking.id == booking_id, Booking.reminder_sent_at == now)
                .values(reminder_sent_at=None).execution_options(synchronize_session=False)
            )

        db.run(release)
    if sent:
        logger.info("%s reminder(s) sent", len(sent))
    return sent
