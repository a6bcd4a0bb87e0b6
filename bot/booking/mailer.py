"""E-mails: through SMTP when ``CAE_SMTP_HOST`` is set, else ``.eml`` files in an outbox.

Environment: ``CAE_SMTP_HOST``, ``CAE_SMTP_PORT`` (587), ``CAE_SMTP_USER``,
``CAE_SMTP_PASSWORD``, ``CAE_SMTP_FROM``, ``CAE_SMTP_STARTTLS`` (1/0, default 1),
``CAE_OUTBOX_DIR`` (default ``var/outbox``).
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Optional, Tuple

import jinja2

from bot.booking import texts
from bot.booking.ics import build_ics, ics_filename
from bot.redact import mask_addresses, mask_email
from bot.storage.db import var_dir
from bot.storage.files import write_private

if TYPE_CHECKING:  # pragma: no cover
    from bot.booking.service import BookingInfo

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "Assistant CAE <no-reply@cae-assistant.invalid>"
Attachment = Tuple[str, bytes, str, str]  # filename, content, maintype, subtype


def build_message(to: str, subject: str, body: str, sender: str = DEFAULT_SENDER,
                  attachments: Iterable[Attachment] = (), html: Optional[str] = None
                  ) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="cae-assistant")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content, maintype, subtype in attachments:
        params = {}
        if subtype == "calendar":
            params["method"] = "CANCEL" if b"METHOD:CANCEL" in content else "PUBLISH"
        message.add_attachment(content, maintype=maintype, subtype=subtype,
                               filename=filename, params=params)
    return message


class OutboxMailer:
    """Writes each message as an ``.eml`` file (development, tests, no SMTP)."""

    def __init__(self, directory: Optional[Path] = None, sender: str = DEFAULT_SENDER):
        self.directory = Path(directory or os.environ.get("CAE_OUTBOX_DIR")
                              or var_dir() / "outbox")
        self.sender = sender

    def send(self, message: EmailMessage) -> str:
        name = f"{datetime.utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        path = write_private(self.directory / name, bytes(message))  # 0600, in a 0700 folder
        logger.info("e-mail to %s written to %s", mask_email(message["To"]), path)
        return str(path)


class SmtpMailer:
    def __init__(self, host: str, port: int = 587, user: Optional[str] = None,
                 password: Optional[str] = None, sender: str = DEFAULT_SENDER,
                 starttls: bool = True, timeout: float = 30.0):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.starttls, self.timeout = sender, starttls, timeout

    def send(self, message: EmailMessage) -> str:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
        logger.info("e-mail to %s sent through %s", mask_email(message["To"]), self.host)
        return message["Message-ID"]


def _flag(value: Optional[str], default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on", "oui")


def mailer_from_env(env: Mapping[str, str] = os.environ):
    sender = env.get("CAE_SMTP_FROM") or DEFAULT_SENDER
    host = (env.get("CAE_SMTP_HOST") or "").strip()
    if host:
        return SmtpMailer(
            host=host,
            port=int(env.get("CAE_SMTP_PORT") or 587),
            user=env.get("CAE_SMTP_USER") or None,
            password=env.get("CAE_SMTP_PASSWORD") or None,
            sender=sender,
            starttls=_flag(env.get("CAE_SMTP_STARTTLS"), True),
        )
    return OutboxMailer(env.get("CAE_OUTBOX_DIR") or None, sender=sender)


# Which text and which calendar attachment for each notification.
_KINDS = {
    "confirmation": texts.confirmation,
    "promotion": texts.promotion,
    "cancellation": texts.cancellation,
    "erased": texts.erased,
    "date_changed": texts.date_changed,
    "reminder": texts.reminder,
    "reminder_today": texts.reminder_today,
}
CANCELLING_KINDS = ("cancellation", "erased")

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    keep_trailing_newline=True,
)


def render(mail: texts.Mail) -> Tuple[str, str]:
    """(plain text, HTML) of one e-mail, from the same content."""
    context = {"mail": mail, "signature": texts.SIGNATURE}
    return (_templates.get_template("mail.txt").render(context),
            _templates.get_template("mail.html").render(context))


def booking_message(booking: "BookingInfo", kind: str, sender: str = DEFAULT_SENDER,
                    now: Optional[datetime] = None) -> EmailMessage:
    mail = _KINDS[kind](booking)
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


def notify(booking: "BookingInfo", kind: str, mailer=None, raise_errors: bool = False) -> bool:
    """Send the ``kind`` e-mail about ``booking``; False (logged) if it failed."""
    if not booking.email:
        return False
    mailer = mailer or mailer_from_env()
    try:
        mailer.send(booking_message(booking, kind, sender=getattr(mailer, "sender",
                                                                  DEFAULT_SENDER)))
        return True
    except Exception as error:  # noqa: BLE001 - a failed e-mail must not undo a booking
        if raise_errors:
            raise
        # No traceback: SMTP errors carry the recipient's address.
        logger.error("could not send the %s e-mail for %s: %s: %s", kind, booking.reference,
                     type(error).__name__, mask_addresses(str(error)))
        return False
