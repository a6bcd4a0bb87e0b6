"""Booking flows and their French error messages (SQLite and PostgreSQL)."""
from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from bot.booking import errors
from bot.booking.service import (
    book,
    claim_offer,
    cancel,
    change_date,
    find_booking,
    get_session,
    normalize_reference,
    upcoming_sessions,
)
from bot.storage.models import Person
from tests.unit.booking.conftest import add_session, person, utcnow


def test_upcoming_sessions_filters(db):
    rouen = add_session(db, starts_in=timedelta(days=2), city="Rouen", departement="76")
    paris = add_session(db, starts_in=timedelta(days=1), city="Paris", departement="75")
    video = add_session(db, starts_in=timedelta(days=3), video=True)
    etienne = add_session(db, starts_in=timedelta(days=4), city="Saint-Étienne",
                          departement="42")
    add_session(db, starts_in=timedelta(days=-1))  # past
    add_session(db, status="cancelled")
    add_session(db, status="closed")
    assert [s.id for s in upcoming_sessions(db)] == [paris, rouen, video, etienne]
    assert [s.id for s in upcoming_sessions(db, "76")] == [rouen]
    assert [s.id for s in upcoming_sessions(db, "ROUEN")] == [rouen]
    assert [s.id for s in upcoming_sessions(db, "st etienne")] == [etienne]
    assert [s.id for s in upcoming_sessions(db, "saint-etienne")] == [etienne]
    assert [s.id for s in upcoming_sessions(db, "Visio")] == [video]
    assert [s.id for s in upcoming_sessions(db, "video")] == [video]
    assert [s.id for s in upcoming_sessions(db, "75011")] == [paris]
    assert upcoming_sessions(db, "Brest") == []
    info = upcoming_sessions(db, "76")[0]
    assert info.seats_left == 10 and info.city == "Rouen" and not info.is_video
    assert "Rouen" in info.label_fr()


def test_full_session_listed_with_no_seat_left(db):
    sid = add_session(db, capacity=1)
    book(db, sid, person(1), consent=True)
    [info] = upcoming_sessions(db)
    assert info.seats_left == 0 and info.is_full


def test_register_then_waitlist(db, outbox):
    sid = add_session(db, capacity=2)
    first = book(db, sid, person(1, phone="06 12 34 56 78"), consent=True)
    assert first.status == "registered" and first.reference.startswith("RI-")
    assert len(first.reference) == 9 and first.waitlist_rank is None
    book(db, sid, person(2), consent=True)
    w1 = book(db, sid, person(3), consent=True, waitlist_ok=True)
    w2 = book(db, sid, person(4), consent=True, waitlist_ok=True)
    assert (w1.status, w1.waitlist_rank) == ("waitlisted", 1)
    assert (w2.status, w2.waitlist_rank) == ("waitlisted", 2)
    assert get_session(db, sid).waitlist_count == 2
    assert len(list(outbox.glob("*.eml"))) == 4


def test_session_filled_while_typing(db):
    sid = add_session(db, capacity=1)
    assert upcoming_sessions(db)[0].seats_left == 1  # what the user saw
    book(db, sid, person(1), consent=True)  # someone else was quicker
    with pytest.raises(errors.SessionFull) as error:
        book(db, sid, person(2), consent=True)
    assert "dernière place vient d'être prise" in error.value.message_fr
    assert "liste d'attente" in error.value.message_fr


def test_no_consent_stores_nothing(db):
    sid = add_session(db)
    with pytest.raises(errors.ConsentRequired) as error:
        book(db, sid, person(1), consent=False)
    assert "accord" in error.value.message_fr
    with db.Session() as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 0


@pytest.mark.parametrize("email", ["pas-une-adresse", "a@b", "jean@@example.org", "x@.fr"])
def test_invalid_email(db, email):
    sid = add_session(db)
    with pytest.raises(errors.InvalidEmail) as error:
        book(db, sid, person(1, email=email), consent=True)
    assert error.value.message_fr == ("Cette adresse e-mail ne semble pas valide. "
                                      "Pouvez-vous la vérifier ?")


def test_missing_name(db):
    sid = add_session(db)
    with pytest.raises(errors.MissingField) as error:
        book(db, sid, person(1, first_name="  "), consent=True)
    assert error.value.message_fr == "Il me manque votre prénom pour vous inscrire."


def test_past_cancelled_closed_unknown_sessions(db):
    past = add_session(db, starts_in=timedelta(hours=-1))
    cancelled = add_session(db, status="cancelled")
    closed = add_session(db, status="closed")
    with pytest.raises(errors.SessionPast) as error:
        book(db, past, person(1), consent=True)
    assert "déjà eu lieu" in error.value.message_fr
    with pytest.raises(errors.SessionCancelled) as error:
        book(db, cancelled, person(1), consent=True)
    assert "a été annulée" in error.value.message_fr
    with pytest.raises(errors.SessionClosed) as error:
        book(db, closed, person(1), consent=True)
    assert "closes" in error.value.message_fr
    with pytest.raises(errors.SessionNotFound):
        book(db, 999999, person(1), consent=True)
    # Also when the clock passes the start between listing and booking.
    soon = add_session(db, starts_in=timedelta(minutes=5))
    with pytest.raises(errors.SessionPast):
        book(db, soon, person(1), consent=True, now=utcnow() + timedelta(minutes=10))


def test_duplicate_active_booking(db):
    sid = add_session(db)
    first = book(db, sid, person(1), consent=True)
    with pytest.raises(errors.AlreadyBooked) as error:
        book(db, sid, person(1, email="CAMILLE.1@example.org"), consent=True)
    assert first.reference in error.value.message_fr
    assert error.value.message_fr.startswith("Vous avez déjà une réservation")


def test_same_person_updated_not_duplicated(db):
    a, b = add_session(db), add_session(db)
    book(db, a, person(1), consent=True)
    book(db, b, person(1, first_name="Camille-Anne", phone="0601020304"), consent=True)
    with db.Session() as s:
        [p] = s.execute(select(Person)).scalars().all()
        assert (p.first_name, p.phone) == ("Camille-Anne", "0601020304")


def test_find_booking_and_errors(db):
    sid = add_session(db)
    made = book(db, sid, person(1), consent=True)
    code = made.reference[3:]
    for typed in (made.reference, made.reference.lower(), f"ri {code}", code, f" RI-{code} "):
        assert find_booking(db, typed, "Camille.1@Example.org").reference == made.reference
    with pytest.raises(errors.BookingNotFound) as error:
        find_booking(db, "RI-2345AB", "camille.1@example.org")
    assert error.value.message_fr.startswith("Je ne trouve aucune réservation")
    with pytest.raises(errors.BookingNotFound):
        find_booking(db, "bonjour", "camille.1@example.org")
    with pytest.raises(errors.EmailMismatch) as error:
        find_booking(db, made.reference, "autre@example.org")
    assert "ne correspond pas" in error.value.message_fr
    with pytest.raises(errors.EmailMismatch):
        cancel(db, made.reference, "autre@example.org")
    assert normalize_reference("ri-7k3p9q") == "RI-7K3P9Q"


def test_cancel_promotes_first_waitlisted(db, outbox):
    sid = add_session(db, capacity=1)
    seat = book(db, sid, person(1), consent=True)
    w1 = book(db, sid, person(2), consent=True, waitlist_ok=True)
    w2 = book(db, sid, person(3), consent=True, waitlist_ok=True)
    result = cancel(db, seat.reference, "camille.1@example.org")
    assert result.cancelled.status == "cancelled"
    assert [p.reference for p in result.promoted] == [w1.reference]
    promoted = result.promoted[0]
    # The seat is offered and held for them; it is theirs once they claim it.
    assert promoted.status == "waitlisted" and promoted.has_offer
    assert promoted.offer_expires_at > promoted.offered_at
    assert promoted.email == "camille.2@example.org" and promoted.first_name == "Camille2"
    assert find_booking(db, w2.reference, "camille.3@example.org").waitlist_rank == 1
    info = get_session(db, sid)
    assert (info.seats_left, info.waitlist_count) == (0, 1)
    # The person offered the seat was told (outbox), no invitation yet.
    offers = [p.read_bytes() for p in outbox.glob("*.eml") if b"camille.2@example.org" in p.read_bytes()
              and b"lib=C3=A9r=C3=A9e" in p.read_bytes()]
    assert len(offers) == 1 and b"reunion-information-" not in offers[0]
    claimed = claim_offer(db, w1.reference, "camille.2@example.org")
    assert claimed.claimed and claimed.booking.status == "registered"
    assert claimed.booking.promoted_at is not None
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in outbox.glob("*.eml")]
    assert any(m["To"] == "camille.2@example.org" and m["Subject"].startswith("Inscription confirmée")
               and b"reunion-information-" in bytes(m) for m in mails)
    with pytest.raises(errors.AlreadyRegistered):
        claim_offer(db, w1.reference, "camille.2@example.org")
    with pytest.raises(errors.AlreadyCancelled) as error:
        cancel(db, seat.reference, "camille.1@example.org")
    assert error.value.message_fr == "Cette réservation est déjà annulée."
    # Cancelling from the waiting list frees no seat, promotes nobody.
    assert cancel(db, w2.reference, "camille.3@example.org").promoted == []
    # Booking again after a cancellation is allowed.
    assert book(db, sid, person(1), consent=True, waitlist_ok=True).status == "waitlisted"


def test_cancel_past_booking_refused(db):
    sid = add_session(db, starts_in=timedelta(hours=1))
    made = book(db, sid, person(1), consent=True)
    with pytest.raises(errors.NotChangeable):
        cancel(db, made.reference, "camille.1@example.org", now=utcnow() + timedelta(hours=2))


def test_change_date(db):
    old = add_session(db, capacity=1, starts_in=timedelta(days=2))
    new = add_session(db, capacity=1, starts_in=timedelta(days=9))
    full = add_session(db, capacity=1, starts_in=timedelta(days=5))
    made = book(db, old, person(1), consent=True)
    waiting = book(db, old, person(2), consent=True, waitlist_ok=True)
    book(db, full, person(3), consent=True)

    with pytest.raises(errors.SessionFull):
        change_date(db, made.reference, "camille.1@example.org", full)
    with pytest.raises(errors.SameSession):
        change_date(db, made.reference, "camille.1@example.org", old)

    result = change_date(db, made.reference, "camille.1@example.org", new)
    assert result.booking.reference == made.reference
    assert result.booking.session.id == new and result.booking.status == "registered"
    assert result.booking.sequence == made.sequence + 1
    assert [p.reference for p in result.promoted] == [waiting.reference]
    assert get_session(db, old).seats_left == 0
    assert find_booking(db, made.reference, "camille.1@example.org").session.id == new

    # Onto a full session's waiting list when accepted.
    moved = change_date(db, made.reference, "camille.1@example.org", full, waitlist_ok=True)
    assert moved.booking.status == "waitlisted" and moved.booking.waitlist_rank == 1
    assert get_session(db, new).seats_left == 1

    cancelled = add_session(db, status="cancelled")
    with pytest.raises(errors.SessionCancelled):
        change_date(db, made.reference, "camille.1@example.org", cancelled)
    with pytest.raises(errors.SessionNotFound):
        change_date(db, made.reference, "camille.1@example.org", "abc")
    # Already holding a booking on the target session.
    other = book(db, new, person(3), consent=True)  # person 3 also holds a seat on `full`
    with pytest.raises(errors.AlreadyBooked):
        change_date(db, other.reference, "camille.3@example.org", full)
