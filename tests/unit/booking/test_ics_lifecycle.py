"""The calendar entry follows the booking: one UID for life, SEQUENCE grows with
each change, METHOD:CANCEL on cancellation and on erasure; no personal data."""
from __future__ import annotations

import email
from datetime import timedelta
from email import policy

from icalendar import Calendar

from bot.booking.ics import build_ics
from bot.booking.service import book, cancel, change_date, erase_person
from tests.unit.booking.conftest import add_session, person


def _mails(outbox, to):
    found = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in sorted(outbox.glob("*.eml"))]
    return [m for m in found if m["To"] == to]


def _calendar(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    calendar = Calendar.from_ical(content.encode() if isinstance(content, str) else content)
    [event] = calendar.walk("VEVENT")
    return calendar, event, part


def test_uid_stays_and_sequence_grows_through_change_and_cancel(db, outbox):
    first = add_session(db)
    second = add_session(db, starts_in=timedelta(days=8))
    made = book(db, first, person(1), consent=True)
    change_date(db, made.reference, "camille.1@example.org", second)
    cancel(db, made.reference, "camille.1@example.org")
    booked, changed, cancelled = [_calendar(m) for m in _mails(outbox, "camille.1@example.org")]
    uids = {str(event["UID"]) for _, event, _ in (booked, changed, cancelled)}
    assert uids == {f"{made.reference}@cae-assistant"}
    sequences = [int(event["SEQUENCE"]) for _, event, _ in (booked, changed, cancelled)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [str(c["METHOD"]) for c, _, _ in (booked, changed, cancelled)] == \
        ["PUBLISH", "PUBLISH", "CANCEL"]
    assert str(cancelled[1]["STATUS"]) == "CANCELLED"
    assert cancelled[2].get_param("method") == "CANCEL"
    assert changed[1].decoded("DTSTART") != booked[1].decoded("DTSTART")


def test_ics_holds_no_personal_data(db):
    sid = add_session(db)
    made = book(db, sid, person(7, phone="0601020304"), consent=True, notify=False)
    for cancelled in (False, True):
        text = build_ics(made, cancelled=cancelled).decode()
        for secret in ("Camille7", "Martin", "camille.7@example.org", "0601020304"):
            assert secret not in text
        assert "ATTENDEE" not in text and "ORGANIZER" not in text
        assert made.reference in text
    assert "/reunions/" in build_ics(made).decode()  # the link to manage it


def test_erasure_sends_the_cancellation_before_forgetting(db, outbox):
    sid = add_session(db)
    past = add_session(db, starts_in=timedelta(days=-2))
    made = book(db, sid, person(1), consent=True)
    waiting_session = add_session(db, capacity=1)
    book(db, waiting_session, person(2), consent=True)
    queued = book(db, waiting_session, person(1), consent=True, waitlist_ok=True)
    assert queued.status == "waitlisted"
    with db.session() as s:  # a booking for a session that already took place: no notice
        from bot.storage.models import Booking, Person
        owner = s.query(Person).filter_by(email="camille.1@example.org").one()
        s.add(Booking(reference="RI-PAST22", person=owner, session_id=past, status="registered"))
    result = erase_person(db, "camille.1@example.org")
    assert sorted(result["cancelled"]) == sorted([made.reference, queued.reference])
    notices = [m for m in _mails(outbox, "camille.1@example.org") if "effacées" in
               m.get_body(("plain",)).get_content()]
    assert len(notices) == 2
    for notice in notices:
        calendar, event, _ = _calendar(notice)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["UID"]).split("@")[0] in (made.reference, queued.reference)
        body = notice.get_body(("plain",)).get_content()
        assert "Camille1" not in body  # the notice does not greet by a name now erased
