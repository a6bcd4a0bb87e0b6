"""Coach tools around sessions: series, message to the people booked, sign-in
sheet, sessions "à clore" and no-show rates; every query scoped to one CAE."""
from __future__ import annotations

import email
from datetime import date, datetime, timedelta, timezone
from email import policy

import pytest

from bot.booking import attendance, broadcast, coach, series
from bot.booking.errors import BookingError, SessionNotFound
from bot.booking.service import book
from bot.dates import PARIS
from bot.scope import Scope
from bot.storage.models import InfoSession, SessionSeriesMember
from tests.unit.booking.conftest import add_session, person

UTC = timezone.utc
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def cae_of(db, sid):
    with db.reader() as s:
        return s.get(InfoSession, sid).cae_id


def test_monthly_series_every_first_tuesday_keeps_14h_across_summer_time(db):
    sid = add_session(db, starts_in=timedelta(days=400))  # makes a CAE and a place
    cae = cae_of(db, sid)
    with db.reader() as s:
        place = s.get(InfoSession, sid).place_id
    plan = series.plan_from({"jour": "2027-01-05", "debut": "14:00", "fin": "16:00",
                             "regle": "mensuel_jour", "nombre": "6"})
    assert plan.describe().startswith("chaque premier mardi du mois, 14:00–16:00")
    made = series.create_series(db, cae, plan, {"capacity": "12", "place_id": place}, now=NOW)
    local = [s.starts_at.astimezone(PARIS) for s in made]
    assert [d.date() for d in local] == [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2),
                                         date(2027, 4, 6), date(2027, 5, 4), date(2027, 6, 1)]
    assert all(d.hour == 14 and d.minute == 0 and d.weekday() == 1 for d in local)
    assert all(s.ends_at - s.starts_at == timedelta(hours=2) and s.capacity == 12 for s in made)
    with db.reader() as s:
        ids = {s.get(SessionSeriesMember, m.id).series_id for m in made}
    assert len(ids) == 1 and None not in ids


def test_weekly_series_until_a_date_and_bad_plans(db):
    sid = add_session(db, video=True)
    cae = cae_of(db, sid)
    plan = series.plan_from({"jour": "2027-01-07", "debut": "09:30", "fin": "11:00",
                             "regle": "hebdomadaire", "intervalle": "2", "jusqu_au": "2027-03-04"})
    made = series.create_series(db, cae, plan, {"capacity": "8", "video_url": "https://visio.example.org/x"},
                                now=NOW)
    assert [m.starts_at.astimezone(PARIS).day for m in made] == [7, 21, 4, 18, 4]
    for bad in ({"jour": "2027-01-07", "debut": "10:00", "fin": "09:00", "regle": "hebdomadaire", "nombre": "2"},
                {"jour": "2027-01-07", "debut": "10:00", "fin": "11:00", "regle": "tous les jours", "nombre": "2"},
                {"jour": "2027-01-07", "debut": "10:00", "fin": "11:00", "regle": "hebdomadaire"},
                {"jour": "2027-01-07", "debut": "10:00", "fin": "11:00", "regle": "hebdomadaire", "nombre": "53"},
                {"jour": "2027-01-31", "debut": "10:00", "fin": "11:00", "regle": "mensuel_date", "nombre": "3"},
                {"jour": "pas une date", "debut": "10:00", "fin": "11:00", "regle": "hebdomadaire", "nombre": "3"}):
        with pytest.raises(coach.InvalidInput):
            series.plan_from(bad)
    past = series.plan_from({"jour": "2026-11-02", "debut": "10:00", "fin": "11:00",
                             "regle": "hebdomadaire", "nombre": "3"})
    with pytest.raises(coach.InvalidInput):
        series.create_series(db, cae, past, {"capacity": "8", "video_url": "https://v.example.org"}, now=NOW)
    other = add_session(db)  # another CAE's place: refused, nothing created
    with db.reader() as s:
        foreign_place = s.get(InfoSession, other).place_id
    with pytest.raises(coach.InvalidInput):
        series.create_series(db, cae, plan, {"capacity": "8", "place_id": foreign_place}, now=NOW)
    with db.reader() as s:
        assert s.query(InfoSession).filter(InfoSession.cae_id == cae).count() == 1 + len(made)


def test_message_reaches_the_registered_people_of_that_session_only(db, outbox):
    sid = add_session(db, capacity=2)
    elsewhere = add_session(db)
    a = book(db, sid, person(1), consent=True, notify=False)
    book(db, sid, person(2), consent=True, notify=False)
    waiting = book(db, sid, person(3), consent=True, notify=False, waitlist_ok=True)
    book(db, elsewhere, person(4), consent=True, notify=False)
    mine = Scope(cae_of(db, sid), False)
    sent = broadcast.message_attendees(db, sid, mine, "Changement de salle",
                                       "La réunion a lieu salle B.\n\nÀ bientôt !", coach_id=None)
    assert (sent.recipients, sent.failed) == (2, 0)
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    assert sorted(m["To"] for m in mails) == ["camille.1@example.org", "camille.2@example.org"]
    first = next(m for m in mails if m["To"] == "camille.1@example.org")
    assert first["Subject"] == "Changement de salle – réunion d'information CAE Normandie"
    text = first.get_body(("plain",)).get_content()
    assert "La réunion a lieu salle B." in text and a.reference in text and "/annuler" in text
    assert "camille.2" not in first.as_string()
    assert broadcast.message_attendees(db, sid, mine, "Rappel", "Venez !", include_waitlist=True).recipients == 3
    assert waiting.status == "waitlisted"
    history = broadcast.messages_of(db, sid, mine)
    assert [h["subject"] for h in history] == ["Rappel", "Changement de salle"]
    with pytest.raises(SessionNotFound):  # another CAE's session
        broadcast.message_attendees(db, elsewhere, mine, "x", "y")
    with pytest.raises(BookingError):
        broadcast.message_attendees(db, sid, mine, " ", "y")


def _past(db, sid, days_ago=2):
    with db.session() as s:
        row = s.get(InfoSession, sid)
        row.starts_at = datetime.now(UTC) - timedelta(days=days_ago)
        row.ends_at = row.starts_at + timedelta(hours=2)


def test_to_close_and_no_show_rates_per_session_and_per_cae(db):
    held = add_session(db, capacity=10)
    cae = cae_of(db, held)
    refs = [book(db, held, person(n), consent=True, notify=False).reference for n in range(1, 6)]
    closed = add_session(db)
    with db.session() as s:
        s.get(InfoSession, closed).cae_id = cae
    closed_refs = [book(db, closed, person(n), consent=True, notify=False).reference for n in (6, 7)]
    called_off = add_session(db)
    with db.session() as s:
        s.get(InfoSession, called_off).cae_id = cae
    book(db, called_off, person(8), consent=True, notify=False)
    coach.cancel_session(db, called_off, notify=False)
    foreign = add_session(db)
    book(db, foreign, person(9), consent=True, notify=False)
    upcoming = add_session(db)
    for sid in (held, closed, called_off, foreign):
        _past(db, sid)
    for ref, status in zip(refs, ("attended", "attended", "absent", "excused")):  # refs[4]: not marked
        coach.mark_attendance(db, ref, status)
    coach.mark_attendance(db, closed_refs[0], "attended")
    coach.mark_attendance(db, closed_refs[1], "absent")
    mine = Scope(cae, False)
    to_close = attendance.sessions_to_close(db, mine)
    assert [s.session_id for s in to_close] == [held] and to_close[0].unmarked == 1
    by_id = {s.session_id: s for s in attendance.past_sessions(db, mine)}
    assert set(by_id) == {held, closed, called_off} and upcoming not in by_id
    assert by_id[held].state == attendance.TO_CLOSE and by_id[held].no_show_rate == pytest.approx(1 / 3)
    assert by_id[closed].state == attendance.CLOSED and by_id[closed].no_show_rate == 0.5
    assert by_id[called_off].state == attendance.CANCELLED and by_id[called_off].no_show_rate is None
    [row] = attendance.no_show_by_cae(db, mine)
    assert (row.sessions, row.attended, row.absent, row.excused, row.unmarked) == (2, 3, 2, 1, 1)
    assert row.no_show_rate == pytest.approx(2 / 5)
    everyone = attendance.no_show_by_cae(db, Scope(None, True))
    assert len(everyone) == 2 and {r.cae_id for r in everyone} >= {cae}
    assert attendance.no_show_by_cae(db, Scope(None, False)) == []  # a coach without a CAE: nothing
    assert {s.session_id for s in attendance.sessions_to_close(db, Scope(None, True))} == {held, foreign}


def test_attendance_sheet_lists_seated_people_by_name_and_is_scoped(db):
    sid = add_session(db, capacity=2)
    book(db, sid, {"first_name": "Zoé", "last_name": "Bernard", "email": "z@example.org",
                   "phone": "+33 6 12 34 56 78"}, consent=True, notify=False)
    book(db, sid, {"first_name": "Anne", "last_name": "arnaud", "email": "a@example.org"}, consent=True,
         notify=False)
    book(db, sid, person(3), consent=True, notify=False, waitlist_ok=True)
    sheet = attendance.attendance_sheet(db, sid, Scope(cae_of(db, sid), False))
    assert [a.last_name for a in sheet.attendees] == ["arnaud", "Bernard"]
    assert sheet.attendees[1].phone == "+33 6 12 34 56 78" and sheet.waitlisted == 1
    other = add_session(db)
    with pytest.raises(SessionNotFound):
        attendance.attendance_sheet(db, sid, Scope(cae_of(db, other), False))
