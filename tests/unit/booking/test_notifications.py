"""Calendar invitation, outbox and SMTP e-mails, reminders."""
from __future__ import annotations

import base64
import email
import socketserver
import threading
from datetime import timedelta, timezone
from email import policy

import pytest
from icalendar import Calendar

from bot.booking.ics import build_ics
from bot.mail import OutboxMailer, SmtpMailer, mailer_from_env
from bot.booking.reminders import send_due_reminders
from bot.booking.service import book, cancel, change_date, find_booking
from tests.unit.booking.conftest import add_session, person, utcnow


def _event(ics_bytes):
    [event] = Calendar.from_ical(ics_bytes).walk("VEVENT")
    return event


def _read(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def _ics_of(message):
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return parts[0].get_content() if parts else None


def test_ics_content(db):
    sid = add_session(db, cae_name="CAE Normandie")
    made = book(db, sid, person(1), consent=True, notify=False)
    event = _event(build_ics(made))
    assert str(event["UID"]) == f"{made.reference}@cae-assistant"
    assert str(event["SUMMARY"]) == "Réunion d'information collective – CAE Normandie"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == made.session.starts_at and end == made.session.ends_at
    assert start.utcoffset() == timedelta(0) and b"DTSTART:" in build_ics(made)
    assert "1 place du Marché" in str(event["LOCATION"]) and "Rouen" in str(event["LOCATION"])
    assert made.reference in str(event["DESCRIPTION"])
    assert "annuler" in str(event["DESCRIPTION"])

    video = add_session(db, video=True)
    online = book(db, video, person(2), consent=True, notify=False)
    assert str(_event(build_ics(online))["LOCATION"]) == "https://visio.example.org/ri"
    cancelled = Calendar.from_ical(build_ics(online, cancelled=True))
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(_event(build_ics(online, cancelled=True))["STATUS"]) == "CANCELLED"


def test_outbox_email_with_ics(db, outbox):
    sid = add_session(db)
    made = book(db, sid, person(1), consent=True)
    [path] = outbox.glob("*.eml")
    message = _read(path)
    assert message["To"] == "camille.1@example.org"
    assert "Inscription confirmée" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Bonjour Camille1" in body and made.reference in body
    ics = _ics_of(message)
    assert str(_event(ics.encode() if isinstance(ics, str) else ics)["UID"]).startswith(
        made.reference)
    # Waiting list: an e-mail, no invitation yet.
    full = add_session(db, capacity=1)
    book(db, full, person(2), consent=True)
    book(db, full, person(3), consent=True, waitlist_ok=True)
    waiting = [_read(p) for p in outbox.glob("*.eml") if "camille.3" in p.read_text()]
    assert len(waiting) == 1 and _ics_of(waiting[0]) is None
    assert "liste d'attente" in waiting[0].get_body(("plain",)).get_content()
    # Date change and cancellation are mailed too.
    other = add_session(db, starts_in=timedelta(days=6))
    change_date(db, made.reference, "camille.1@example.org", other)
    cancel(db, made.reference, "camille.1@example.org")
    subjects = [_read(p)["Subject"] for p in outbox.glob("*.eml")]
    assert any(s.startswith("Changement de date") for s in subjects)
    assert any(s.startswith("Réservation annulée") for s in subjects)


def test_mailer_from_env(monkeypatch, tmp_path):
    assert isinstance(mailer_from_env({"CAE_OUTBOX_DIR": str(tmp_path)}), OutboxMailer)
    smtp = mailer_from_env({"CAE_SMTP_HOST": "smtp.example.org", "CAE_SMTP_USER": "u",
                            "CAE_SMTP_PASSWORD": "p", "CAE_SMTP_FROM": "CAE <ri@example.org>"})
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.starttls, smtp.sender) == (
        "smtp.example.org", 587, True, "CAE <ri@example.org>")
    assert not mailer_from_env({"CAE_SMTP_HOST": "h", "CAE_SMTP_STARTTLS": "0"}).starttls


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def _say(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self._say("220 localhost test SMTP")
        envelope = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb == "HELO":
                self._say("250 localhost")
            elif verb == "AUTH":
                server.auth.append(base64.b64decode(command.split()[-1]).split(b"\0"))
                self._say("235 ok")
            elif verb == "MAIL":
                envelope["from"] = command
                self._say("250 ok")
            elif verb == "RCPT":
                envelope["rcpt"].append(command)
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                server.messages.append((envelope, b"".join(lines)))
                envelope = {"rcpt": []}
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages, server.auth = [], []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_on_loopback(db, smtp_server, monkeypatch, outbox):
    monkeypatch.setenv("CAE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CAE_SMTP_PORT", str(smtp_server.server_address[1]))
    monkeypatch.setenv("CAE_SMTP_USER", "robot")
    monkeypatch.setenv("CAE_SMTP_PASSWORD", "secret")
    monkeypatch.setenv("CAE_SMTP_FROM", "CAE <ri@example.org>")
    monkeypatch.setenv("CAE_SMTP_STARTTLS", "0")
    sid = add_session(db)
    made = book(db, sid, person(1), consent=True)
    [(envelope, data)] = smtp_server.messages
    assert "camille.1@example.org" in envelope["rcpt"][0]
    assert smtp_server.auth == [[b"", b"robot", b"secret"]]
    message = email.message_from_bytes(data, policy=policy.default)
    assert message["From"] == "CAE <ri@example.org>"
    assert made.reference in _ics_of(message)
    assert not list(outbox.glob("*.eml"))


def test_smtp_failure_keeps_the_booking(db, monkeypatch):
    monkeypatch.setenv("CAE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CAE_SMTP_PORT", "1")  # nothing listens there
    monkeypatch.setenv("CAE_SMTP_STARTTLS", "0")
    sid = add_session(db)
    made = book(db, sid, person(1), consent=True)
    assert find_booking(db, made.reference, "camille.1@example.org").status == "registered"


def test_reminders_idempotent(db, outbox):
    soon = add_session(db, starts_in=timedelta(hours=30))
    later = add_session(db, starts_in=timedelta(days=5))
    past = add_session(db, starts_in=timedelta(hours=1))
    r1 = book(db, soon, person(1), consent=True, notify=False)
    r2 = book(db, soon, person(2), consent=True, notify=False)
    gone = book(db, soon, person(3), consent=True, notify=False)
    cancel(db, gone.reference, "camille.3@example.org", notify=False)
    book(db, later, person(4), consent=True, notify=False)
    book(db, past, person(5), consent=True, notify=False)
    now = utcnow() + timedelta(hours=2)  # the session of `past` has started
    assert sorted(send_due_reminders(db, now=now)) == sorted([r1.reference, r2.reference])
    assert send_due_reminders(db, now=now) == []
    assert send_due_reminders(db, now=now + timedelta(minutes=5)) == []
    reminders = [_read(p) for p in outbox.glob("*.eml")]
    assert len(reminders) == 2
    assert all(m["Subject"].startswith("Rappel") and _ics_of(m) for m in reminders)
    # Three days later the other session is within 48 h.
    assert len(send_due_reminders(db, now=utcnow() + timedelta(days=3, hours=12))) == 1


def test_failed_reminder_is_retried(db, outbox):
    class Broken:
        sender = "x@example.org"

        def send(self, message):
            raise OSError("SMTP down")

    sid = add_session(db, starts_in=timedelta(hours=10))
    made = book(db, sid, person(1), consent=True, notify=False)
    assert send_due_reminders(db, mailer=Broken()) == []
    assert send_due_reminders(db) == [made.reference]
    assert send_due_reminders(db) == []
    assert find_booking(db, made.reference, "camille.1@example.org").status == "registered"


def test_change_date_resets_reminder(db):
    soon = add_session(db, starts_in=timedelta(hours=20))
    other = add_session(db, starts_in=timedelta(hours=40))
    made = book(db, soon, person(1), consent=True, notify=False)
    assert send_due_reminders(db) == [made.reference]
    change_date(db, made.reference, "camille.1@example.org", other, notify=False)
    assert send_due_reminders(db) == [made.reference]
    assert utcnow().tzinfo == timezone.utc
