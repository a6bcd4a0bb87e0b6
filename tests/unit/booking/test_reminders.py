"""Reminders: J-2 at 9:00 Paris time, the day of a video session with its link;
never twice (several workers, a restart), none for cancelled bookings."""
from __future__ import annotations

import email
import threading
from datetime import datetime, timedelta, timezone
from email import policy

from bot.booking.reminders import ReminderPolicy, send_due_reminders
from bot.booking.service import book, cancel, change_date
from bot.dates import PARIS
from bot.storage.db import Database
from bot.storage.models import InfoSession
from tests.unit.booking.conftest import add_session, person

UTC = timezone.utc
# Thursday 14 January 2027, 14:00 Paris (UTC+1): J-2 is Tuesday 12 at 9:00 Paris = 8:00 UTC.
WINTER = datetime(2027, 1, 14, 14, 0, tzinfo=PARIS)
BOOKED = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def session_at(db, starts_at, **extra):
    sid = add_session(db, **extra)
    with db.session() as s:
        row = s.get(InfoSession, sid)
        row.starts_at, row.ends_at = starts_at, starts_at + timedelta(hours=2)
    return sid


def mails(outbox):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(outbox.glob("*.eml"))]


def test_j2_reminder_goes_out_at_9_paris_time_winter_and_summer(db, outbox):
    winter = session_at(db, WINTER)
    summer = session_at(db, datetime(2027, 7, 15, 14, 0, tzinfo=PARIS))  # UTC+2
    w = book(db, winter, person(1), consent=True, notify=False, now=BOOKED)
    s = book(db, summer, person(2), consent=True, notify=False, now=BOOKED)
    assert send_due_reminders(db, now=datetime(2027, 1, 12, 7, 59, tzinfo=UTC)) == []
    assert send_due_reminders(db, now=datetime(2027, 1, 12, 8, 0, tzinfo=UTC)) == [w.reference]
    assert send_due_reminders(db, now=datetime(2027, 7, 13, 6, 59, tzinfo=UTC)) == []
    assert send_due_reminders(db, now=datetime(2027, 7, 13, 7, 0, tzinfo=UTC)) == [s.reference]
    [first, second] = mails(outbox)
    assert first["Subject"] == "Rappel : réunion d'information CAE Normandie le jeudi 14 janvier 2027"
    body = first.get_body(("plain",)).get_content()
    assert "de 14 h à 16 h" in body and "/annuler" in body and w.reference in body
    assert "juillet" in second["Subject"]


def test_the_policy_is_configurable(db):
    custom = ReminderPolicy.from_env({"CAE_REMINDER_DAYS_BEFORE": "1", "CAE_REMINDER_AT": "18:30"})
    assert custom.j2_due(WINTER) == datetime(2027, 1, 13, 18, 30, tzinfo=PARIS)
    broken = ReminderPolicy.from_env({"CAE_REMINDER_DAYS_BEFORE": "x", "CAE_REMINDER_AT": "9 heures"})
    assert broken == ReminderPolicy()


def test_who_gets_one(db, outbox):
    planned, closed, called_off = (session_at(db, WINTER, capacity=2), session_at(db, WINTER),
                                   session_at(db, WINTER))
    kept = book(db, planned, person(1), consent=True, notify=False, now=BOOKED)
    gone = book(db, planned, person(2), consent=True, notify=False, now=BOOKED)
    cancel(db, gone.reference, "camille.2@example.org", notify=False, now=BOOKED)
    book(db, planned, person(3), consent=True, notify=False, now=BOOKED)  # takes the freed seat
    waiting = book(db, planned, person(4), consent=True, notify=False, now=BOOKED, waitlist_ok=True)
    assert waiting.status == "waitlisted"
    in_closed = book(db, closed, person(5), consent=True, notify=False, now=BOOKED)
    in_cancelled = book(db, called_off, person(6), consent=True, notify=False, now=BOOKED)
    with db.session() as s:
        s.get(InfoSession, closed).status = "closed"  # registrations closed: it still takes place
        s.get(InfoSession, called_off).status = "cancelled"
    sent = send_due_reminders(db, now=datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
    assert gone.reference not in sent and waiting.reference not in sent
    assert in_cancelled.reference not in sent
    assert kept.reference in sent and in_closed.reference in sent and len(sent) == 3
    assert all("camille.2@" not in m["To"] for m in mails(outbox))


def test_no_reminder_for_a_seat_given_after_its_time_a_missed_one_still_goes(db):
    sid = session_at(db, WINTER)
    early = book(db, sid, person(1), consent=True, notify=False, now=BOOKED)
    late = book(db, sid, person(2), consent=True, notify=False,
                now=datetime(2027, 1, 12, 15, 0, tzinfo=UTC))  # after J-2 9:00: the confirmation says it all
    # The job did not run at 9:00 (server stopped): the reminder goes at the next run.
    assert send_due_reminders(db, now=datetime(2027, 1, 13, 18, 0, tzinfo=UTC)) == [early.reference]
    assert late.reference not in send_due_reminders(db, now=datetime(2027, 1, 14, 12, 0, tzinfo=UTC))
    # Nothing once the session has started.
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 13, 5, tzinfo=UTC)) == []


def test_video_sessions_get_a_reminder_the_same_day_with_the_link(db, outbox):
    sid = session_at(db, WINTER, video=True)
    made = book(db, sid, person(1), consent=True, notify=False, now=BOOKED)
    assert send_due_reminders(db, now=datetime(2027, 1, 12, 8, 0, tzinfo=UTC)) == [made.reference]
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 7, 59, tzinfo=UTC)) == []
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 8, 0, tzinfo=UTC)) == [made.reference]
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 8, 5, tzinfo=UTC)) == []
    [j2, today] = mails(outbox)
    assert j2["Subject"].startswith("Rappel")
    assert today["Subject"] == "Aujourd'hui à 14 h : réunion d'information CAE Normandie en visio"
    html = today.get_body(("html",)).get_content()
    assert 'href="https://visio.example.org/ri"' in html and "Rejoindre la visio" in html


def test_an_early_video_session_is_reminded_an_hour_before_and_j2_yields_to_the_day(db):
    early = session_at(db, datetime(2027, 1, 14, 9, 30, tzinfo=PARIS), video=True)
    made = book(db, early, person(1), consent=True, notify=False, now=BOOKED)
    # Nothing ran for two days: only the reminder of the day goes, at 8:30 Paris (7:30 UTC).
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 7, 29, tzinfo=UTC)) == []
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 7, 30, tzinfo=UTC)) == [made.reference]
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 7, 40, tzinfo=UTC)) == []


def test_in_person_sessions_get_no_same_day_reminder(db):
    sid = session_at(db, WINTER)
    book(db, sid, person(1), consent=True, notify=False, now=BOOKED)
    assert len(send_due_reminders(db, now=datetime(2027, 1, 12, 8, 0, tzinfo=UTC))) == 1
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 8, 30, tzinfo=UTC)) == []


def test_several_workers_at_once_and_a_restart_send_each_reminder_once(db, outbox):
    sids = [session_at(db, WINTER + timedelta(minutes=i), video=bool(i % 2)) for i in range(6)]
    refs = [book(db, sid, person(n), consent=True, notify=False, now=BOOKED).reference
            for n, sid in enumerate(sids)]
    now = datetime(2027, 1, 12, 8, 1, tzinfo=UTC)
    results, barrier = [], threading.Barrier(4)

    def worker():  # its own engine and connections, as another process would have
        database = Database(db.url)
        try:
            barrier.wait()
            results.append(send_due_reminders(database, now=now))
        finally:
            database.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r for batch in results for r in batch) == sorted(refs)
    restarted = Database(db.url)  # a restart: a new process, same database
    try:
        assert send_due_reminders(restarted, now=now + timedelta(minutes=5)) == []
    finally:
        restarted.dispose()
    assert len(mails(outbox)) == 6


def test_failed_reminder_is_retried(db, outbox):
    class Broken:
        sender = "x@example.org"

        def send(self, message):
            raise OSError("SMTP down")

    sid = session_at(db, WINTER)
    made = book(db, sid, person(1), consent=True, notify=False, now=BOOKED)
    now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    assert send_due_reminders(db, now=now, mailer=Broken()) == []
    assert send_due_reminders(db, now=now) == [made.reference]
    assert send_due_reminders(db, now=now) == []


def test_change_date_resets_both_reminders(db):
    first = session_at(db, WINTER, video=True)
    other = session_at(db, WINTER + timedelta(days=7), video=True)
    made = book(db, first, person(1), consent=True, notify=False, now=BOOKED)
    assert send_due_reminders(db, now=datetime(2027, 1, 14, 8, 0, tzinfo=UTC)) == [made.reference]
    change_date(db, made.reference, "camille.1@example.org", other, notify=False, now=BOOKED)
    assert send_due_reminders(db, now=datetime(2027, 1, 19, 8, 0, tzinfo=UTC)) == [made.reference]
    assert send_due_reminders(db, now=datetime(2027, 1, 21, 8, 0, tzinfo=UTC)) == [made.reference]
