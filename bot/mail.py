"""E-mail for every feature: checking an address, building a message, sending it.

Through SMTP when ``CAE_SMTP_HOST`` is set (``CAE_SMTP_PORT``, ``CAE_SMTP_USER``,
``CAE_SMTP_PASSWORD``, ``CAE_SMTP_FROM``, ``CAE_SMTP_STARTTLS``), else as
``.eml`` files in an outbox (``CAE_OUTBOX_DIR``, default ``var/outbox``).
An e-mail's content is a ``Mail`` (greeting, paragraphs, details, buttons),
laid out in plain text and HTML by ``render`` (``bot/mail_templates/``, HTML
escaped); what a booking e-mail says is the booking's (bot/booking/texts.py),
the coaches' notice of a new request is bot/handoff_notices.py; the identity
codes use the same mailer (bot/identity.py).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Iterable, List, Mapping, Optional, Tuple

import jinja2
from email_validator import EmailNotValidError, validate_email

from bot import settings
from bot.errors import UserError
from bot.redact import mask_email
from bot.storage.files import write_private

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "Assistant CAE <no-reply@cae-assistant.invalid>"
Attachment = Tuple[str, bytes, str, str]  # filename, content, maintype, subtype


# --------------------------------------------------------------------------- addresses


class InvalidAddress(UserError):
    code = "invalid_email"
    message_fr = "Cette adresse e-mail ne semble pas valide. Pouvez-vous la vérifier ?"


class MissingAddress(InvalidAddress):
    code = "missing_email"


def normalize_address(raw: Optional[str]) -> str:
    """The address checked (syntax only, no DNS) and in lower case;
    MissingAddress when empty, InvalidAddress when it cannot be one."""
    if not raw or not str(raw).strip():
        raise MissingAddress()
    try:
        result = validate_email(str(raw).strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidAddress() from error
    return result.normalized.lower()


# --------------------------------------------------------------------------- content


@dataclass
class Mail:
    """One e-mail's content; ``bot/mail_templates/mail.{txt,html}`` lay it out (``render``)."""

    subject: str
    greeting: str
    paragraphs: List[str]
    details: List[Tuple[str, str]] = field(default_factory=list)  # (label, value)
    actions: List[Tuple[str, str]] = field(default_factory=list)  # (label, url)
    closing: List[str] = field(default_factory=list)
    cae_name: str = ""


SIGNATURE = "L'assistant des Coopératives d'Activité et d'Emploi"

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "mail_templates")),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    keep_trailing_newline=True,
)


def render(mail: Mail) -> Tuple[str, str]:
    """(plain text, HTML) of one e-mail, from the same content."""
    context = {"mail": mail, "signature": SIGNATURE}
    return (_templates.get_template("mail.txt").render(context),
            _templates.get_template("mail.html").render(context))


# --------------------------------------------------------------------------- messages and mailers


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
        self.directory = Path(directory or settings.current().outbox_dir)
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


def mailer_from_env(env: Optional[Mapping[str, str]] = None):
    """The SMTP mailer when ``CAE_SMTP_HOST`` is set, else the outbox."""
    config = settings.current(env)
    sender = config.smtp_from or DEFAULT_SENDER
    if config.smtp_host:
        return SmtpMailer(host=config.smtp_host, port=config.smtp_port, user=config.smtp_user,
                          password=config.smtp_password, sender=sender,
                          starttls=config.smtp_starttls)
    # Only an outbox named in ``env``; otherwise the current one (OutboxMailer).
    return OutboxMailer(config.raw("CAE_OUTBOX_DIR") or None, sender=sender)
