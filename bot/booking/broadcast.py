"""A coach's message to the people booked on a session (room change, video link).

Sent one e-mail per person (nobody sees the others' addresses) through the
usual mailer (SMTP or the outbox), HTML and plain text from the booking
e-mails' templates, with the person's own cancel link. Each message is kept
(``SessionMessage``: subject, text, how many received it) for the session page.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select

from bot.booking import errors
from bot.booking.attendance import session_in_scope
from bot.booking.coach import InvalidInput
from bot.booking.links import booking_links
from bot.booking.service import now_utc
from bot.booking.texts import Mail, format_when, format_where, greeting
from bot.mail import DEFAULT_SENDER, build_message, mailer_from_env, render
from bot.redact import mask_addresses
from bot.scope import Scope
from bot.storage.db import Database
from bot.storage.models import REGISTERED, SESSION_CANCELLED, WAITLISTED, Booking, Person, SessionMessage

MAX_SUBJECT = 150
MAX_BODY = 5000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    reference: str
    first_name: str
    email: str


@dataclass(frozen=True)
class Sent:
    recipients: int
    failed: int


def recipients(db: Database, session_id: int, include_waitlist: bool = False) -> List[Recipient]:
    statuses = (REGISTERED, WAITLISTED) if include_waitlist else (REGISTERED,)
    with db.reader() as s:
        rows = s.execute(
            select(Booking.reference, Person.first_name, Person.email)
            .join(Person, Booking.person_id == Person.id)
            .where(Booking.session_id == int(session_id), Booking.status.in_(statuses),
                   Person.email.is_not(None))
            .order_by(Booking.id)
        ).all()
    return [Recipient(*row) for row in rows]


def message_attendees(db: Database, session_id: int, scope: Scope, subject: str, body: str,
                      coach_id: Optional[int] = None, include_waitlist: bool = False,
                      mailer=None, now: Optional[datetime] = None) -> Sent:
    """E-mail ``body`` to everyone registered on the session (and the waiting
    list if asked). Raises SessionNotFound (not in scope), SessionCancelled,
    InvalidInput (empty or too long)."""
    now = now_utc(now)
    subject = " ".join(str(subject or "").split())
    body = str(body or "").replace("\r\n", "\n").strip()
    if not subject or not body:
        raise InvalidInput("Indiquez un objet et un message.")
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise InvalidInput(f"Objet : {MAX_SUBJECT} caractères au plus ; message : {MAX_BODY}.")
    session = session_in_scope(db, session_id, scope)
    if session.status == SESSION_CANCELLED:
        raise errors.SessionCancelled("Cette réunion est annulée : les inscrits ont déjà été prévenus.")
    mailer = mailer or mailer_from_env()
    sender = getattr(mailer, "sender", DEFAULT_SENDER)
    people = recipients(db, session.id, include_waitlist)
    failed = 0
    for person in people:
        links = booking_links(person.reference)
        mail = Mail(
            subject=f"{subject} – réunion d'information {session.cae_name}",
            greeting=greeting(person.first_name),
            paragraphs=[f"Un message de l'équipe de {session.cae_name} au sujet de la réunion "
                        f"d'information du {format_when(session.starts_at, session.ends_at)} :"]
            + [p.strip() for p in body.split("\n\n") if p.strip()],
            details=[("Où", format_where(session)), ("Votre référence", person.reference)],
            actions=[("Voir mon inscription", links["manage"]), ("Annuler", links["cancel"])],
            cae_name=session.cae_name,
        )
        text, html = render(mail)
        try:
            mailer.send(build_message(person.email, mail.subject, text, sender=sender, html=html))
        except Exception as error:  # noqa: BLE001 - the others still get theirs
            failed += 1
            logger.error("could not send a session message for %s: %s: %s", person.reference,
                         type(error).__name__, mask_addresses(str(error)))

    def record(s):
        s.add(SessionMessage(session_id=session.id, coach_id=coach_id, subject=subject[:200],
                             body=body, recipients=len(people) - failed, failed=failed, sent_at=now))

    db.run(record)
    return Sent(len(people) - failed, failed)


def messages_of(db: Database, session_id: int, scope: Scope) -> List[Dict[str, Any]]:
    """The messages sent about this session, newest first."""
    session_in_scope(db, session_id, scope)
    with db.reader() as s:
        rows = s.execute(select(SessionMessage).where(SessionMessage.session_id == int(session_id))
                         .order_by(SessionMessage.sent_at.desc(), SessionMessage.id.desc())).scalars().all()
        return [dict(subject=r.subject, body=r.body, recipients=r.recipients, failed=r.failed,
                     sent_at=r.sent_at) for r in rows]
