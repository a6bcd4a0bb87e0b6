"""A coach cancels a session: every booking still on it (whatever its attendance
mark) is cancelled and told with an apology, the reason and the next dates;
attendance is marked only from the start; the list puts the soonest first; the
CAE's name takes its article."""
from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest

from bot.booking import coach as coach_ops
from bot.booking import errors, service
from bot.cae_names import of_cae, the_cae
from bot.dates import format_when
from bot.scope import Scope
from bot.storage.models import InfoSession
from tests.unit.booking.conftest import add_session, person, utcnow


def _mails(outbox):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(outbox.glob("*.eml"))]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _same_cae_session(db, session_id, days):
    with db.session() as s:
        first = s.get(InfoSession, session_id)
        starts = utcnow() + timedelta(days=days)
        other = InfoSession(cae_id=first.cae_id, place_id=first.place_id, starts_at=starts,
                            ends_at=starts + timedelta(hours=2), capacity=10, status="planned")
        s.add(other)
        s.flush()
        return other.id


def test_cancel_tells_everyone_with_apology_reason_and_next_dates(db, outbox):
    sid = add_session(db, capacity=3, cae_name="Coopérative d'activité Normandie")
    later = _same_cae_session(db, sid, 10)
    refs = [service.book(db, sid, person(n), consent=True, notify=False, waitlist_ok=True).reference
            for n in range(1, 5)]
    # Attendance marked during the meeting: present, excused; one absent; one on the waiting list.
    coach_ops.mark_attendance(db, refs[0], "attended", now=utcnow() + timedelta(days=3, minutes=5))
    coach_ops.mark_attendance(db, refs[1], "excused", now=utcnow() + timedelta(days=3, minutes=5))
    coach_ops.mark_attendance(db, refs[2], "absent", now=utcnow() + timedelta(days=3, minutes=5))
    result = coach_ops.cancel_session(db, sid, reason="Intervenante malade")
    assert result["cancelled_bookings"] == 4
    for n, ref in enumerate(refs, start=1):
        assert service.find_booking(db, ref, f"camille.{n}@example.org").status == "cancelled"
    mails = _mails(outbox)
    assert len(mails) == 4
    body = _text(mails[0])
    assert "désolés" in body and "désolés : la Coopérative d'activité Normandie a dû annuler" in body
    assert "Motif : Intervenante malade" in body
    later_info = service.get_session(db, later)
    assert format_when(later_info.starts_at, later_info.ends_at) in body
    assert "pour annuler" not in body.lower() and "changer de date" not in body.lower()
    assert "est bien annulée" not in body  # not the person's own cancellation
    assert any(part.get_content_type() == "text/calendar" for part in mails[0].walk())


def test_cancel_without_next_dates_or_reason(db, outbox):
    sid = add_session(db, cae_name="Coopaname")
    service.book(db, sid, person(1), consent=True, notify=False)
    coach_ops.cancel_session(db, sid)
    [mail] = _mails(outbox)
    body = _text(mail)
    assert "Coopaname a dû annuler" in body and "Motif" not in body
    assert "Aucune autre date" in body
    with pytest.raises(errors.SessionCancelled):
        coach_ops.cancel_session(db, sid)


def test_cancel_reason_too_long(db):
    sid = add_session(db)
    with pytest.raises(coach_ops.InvalidInput):
        coach_ops.cancel_session(db, sid, reason="x" * 501)
    assert service.get_session(db, sid).status == "planned"


def test_attendance_only_from_the_start(db):
    sid = add_session(db, starts_in=timedelta(days=12))
    ref = service.book(db, sid, person(1), consent=True, notify=False).reference
    with pytest.raises(coach_ops.InvalidInput, match="début"):
        coach_ops.mark_attendance(db, ref, "attended")
    assert coach_ops.mark_attendance(db, ref, "attended",
                                     now=utcnow() + timedelta(days=12))["status"] == "attended"


def test_sessions_soonest_first_then_past(db):
    far = add_session(db, starts_in=timedelta(days=20))
    soon = add_session(db, starts_in=timedelta(days=2))
    past = add_session(db, starts_in=timedelta(days=-5))
    older = add_session(db, starts_in=timedelta(days=-30))
    ids = [s.id for s in coach_ops.sessions_in_scope(db, Scope.of(None, True))]
    assert ids == [soon, far, past, older]


@pytest.mark.parametrize("name, of, subject", [
    ("Coopérative d'activité Normandie", "de la Coopérative d'activité Normandie",
     "La Coopérative d'activité Normandie"),
    ("CAE Normandie", "de la CAE Normandie", "La CAE Normandie"),
    ("Coopaname", "de Coopaname", "Coopaname"),
    ("Oxalis", "d'Oxalis", "Oxalis"),
    ("Réseau Coopérer pour entreprendre", "du Réseau Coopérer pour entreprendre",
     "Le Réseau Coopérer pour entreprendre"),
    ("Union des CAE", "de l'Union des CAE", "L'Union des CAE"),
])
def test_cae_names_with_their_article(name, of, subject):
    assert of_cae(name) == of and the_cae(name) == subject


def test_explicit_article_wins():
    assert the_cae("CAE Normandie", capital=False) == "la CAE Normandie"
    assert of_cae("Petite Coop", explicit="la") == "de la Petite Coop"
    assert of_cae("Coopérative X", explicit="") == "de Coopérative X"
