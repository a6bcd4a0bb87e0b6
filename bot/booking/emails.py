"""The booking e-mails: which text and which calendar file for each notification.

The words are in ``texts.py``; the layout (``render``), building and sending
a message are the shared mailer's (bot/mail.py, bot/mail_templates/).
"""
from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Optional

from bot.booking import texts
from bot.booking.ics import build_ics, ics_filename
from bot.booking.records import BookingInfo
from bot.mail import DEFAULT_SENDER, build_message, mailer_from_env, render
from bot.redact import mask_addresses

logger = logging.getLogger(__name__)


# Which text and which calendar attachment for each notification.
_KINDS = {
    "confirmation": texts.confirmation,
    "promotion": texts.promotion,
    "cancellation": texts.cancellation,
    "erased": texts.erased,
    "date_changed": texts.date_changed,
    "reminder": texts.reminder,
    "reminder_today": texts.reminder_today,
    "session_cancelled": texts.session_cancelled,
}
CANCELLING_KINDS = ("cancellation", "erased", "session_cancelled")

def booking_message(booking: BookingInfo, kind: str, sender: str = DEFAULT_SENDER,
                    now: Optional[datetime] = None, mail: Optional[texts.Mail] = None
                    ) -> EmailMessage:
    """The ``kind`` e-mail about ``booking``; ``mail``: its content when already
    written (a session cancelled with a reason and the next dates)."""
    mail = mail or _KINDS[kind](booking)
    body, html = render(mail)
    attachments = []
    if kind in CANCELLING_KINDS:
        attachments.append((ics_filename(booking), build_ics(booking, cancelled=True, now=now),
                            "text", "calendar"))
    elif booking.status == "registered":
        attachments.append((ics_filename(booking), build_ics(booking, now=now),
                            "text", "calendar"))
    return build_message(booking.email, mail.subject, body, sender=sender,
                         attachments=attachments, html=html)


def notify(booking: BookingInfo, kind: str, mailer=None, raise_errors: bool = False,
           mail: Optional[texts.Mail] = None) -> bool:
    """Send the ``kind`` e-mail about ``booking``; False (logged) if it failed."""
    if not booking.email:
        return False
    mailer = mailer or mailer_from_env()
    try:
        mailer.send(booking_message(booking, kind, sender=getattr(mailer, "sender", DEFAULT_SENDER),
                                    mail=mail))
        return True
    except Exception as error:  # noqa: BLE001 - a failed e-mail must not undo a booking
        if raise_errors:
            raise
        # No traceback: SMTP errors carry the recipient's address.
        logger.error("could not send the %s e-mail for %s: %s: %s", kind, booking.reference,
                     type(error).__name__, mask_addresses(str(error)))
        return False
