"""The waiting list asks: a freed seat is offered and held, claimed or declined
with one click, passed on when nobody answers; never more seats than capacity."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.booking import errors
from bot.booking.service import (
    book,
    cancel,
    claim_offer,
    find_booking,
    get_session,
    offer_window,
    pass_expired_offers,
)
from bot.storage.models import InfoSession
from tests.unit.booking.conftest import add_session, person, utcnow


def _full_with_waiting(db, waiting=2, capacity=1, starts_in=timedelta(days=3)):
    sid = add_session(db, capacity=capacity, starts_in=starts_in)
    seats = [book(db, sid, person(100 + n), consent=True, notify=False) for n in range(capacity)]
    queue = [book(db, sid, person(n), consent=True, waitlist_ok=True, notify=False)
             for n in range(1, waiting + 1)]
    assert all(q.status == "waitlisted" for q in queue)
    return sid, seats, queue


def test_offer_window_default_shortened_and_configurable(monkeypatch):
    now = utcnow()
    monkeypatch.delenv("CAE_WAITLIST_OFFER_HOURS", raising=False)
    assert offer_window(now + timedelta(days=5), now) == timedelta(hours=24)
    assert offer_window(now + timedelta(hours=10), now) == timedelta(hours=5)
    assert offer_window(now + timedelta(minutes=40), now) == timedelta(minutes=30)
    assert offer_window(now + timedelta(minutes=20), now) == timedelta(minutes=20)
    monkeypatch.setenv("CAE_WAITLIST_OFFER_HOURS", "6")
    assert offer_window(now + timedelta(days=5), now) == timedelta(hours=6)


def test_unclaimed_offer_passes_to_the_next_and_late_claim_keeps_the_place_in_line(db, outbox):
    sid, [seat], [first, second] = _full_with_waiting(db)
    [offered] = cancel(db, seat.reference, "camille.100@example.org", notify=False).promoted
    assert offered.reference == first.reference and offered.has_offer
    assert pass_expired_offers(db, notify=False) == []  # not expired yet: nothing moves
    later = offered.offer_expires_at + timedelta(seconds=1)
    [passed] = pass_expired_offers(db, now=later)
    assert passed.reference == second.reference and passed.has_offer
    assert pass_expired_offers(db, now=later) == []  # idempotent
    assert any("camille.2@example.org" in p.read_text(errors="replace") for p in outbox.glob("*.eml"))
    # The first person comes back too late: the seat is held for the second; they stay listed.
    late = claim_offer(db, first.reference, "camille.1@example.org", now=later)
    assert not late.claimed and late.booking.status == "waitlisted"
    assert late.booking.waitlist_rank == 1
    # The second one declines ("je ne peux plus venir"): the seat goes to the first at once.
    declined = cancel(db, second.reference, "camille.2@example.org", now=later)
    assert [p.reference for p in declined.promoted] == [first.reference]
    claimed = claim_offer(db, first.reference, "camille.1@example.org", now=later)
    assert claimed.claimed and claimed.booking.status == "registered"
    info = get_session(db, sid)
    assert (info.seats_left, info.waitlist_count) == (0, 0)


def test_a_held_seat_is_not_given_to_a_newcomer(db):
    sid, [seat], [first] = _full_with_waiting(db, waiting=1)
    cancel(db, seat.reference, "camille.100@example.org", notify=False)
    newcomer = book(db, sid, person(50), consent=True, waitlist_ok=True, notify=False)
    assert newcomer.status == "waitlisted"
    with pytest.raises(errors.SessionFull):
        book(db, sid, person(51), consent=True, notify=False)
    assert claim_offer(db, first.reference, "camille.1@example.org", notify=False).claimed


def test_past_or_cancelled_sessions_cannot_be_claimed(db):
    sid, [seat], [first, second] = _full_with_waiting(db)
    cancel(db, seat.reference, "camille.100@example.org", notify=False)
    with db.session() as s:
        s.get(InfoSession, sid).status = "cancelled"
    with pytest.raises(errors.SessionCancelled):
        claim_offer(db, first.reference, "camille.1@example.org", notify=False)
    with db.session() as s:
        row = s.get(InfoSession, sid)
        row.status = "planned"
        row.starts_at = utcnow() - timedelta(hours=1)
    with pytest.raises(errors.SessionPast):
        claim_offer(db, first.reference, "camille.1@example.org", notify=False)
    assert find_booking(db, first.reference, "camille.1@example.org").status == "waitlisted"
    with pytest.raises(errors.EmailMismatch):
        claim_offer(db, second.reference, "camille.1@example.org", notify=False)
