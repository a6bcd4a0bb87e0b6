"""Capacity holds when 200 people book a 20-seat session at the same moment,
and when claims, cancellations and bookings of a waiting list come at once: each
request in its own thread with its own connection (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from bot.booking import errors
from bot.booking.service import book, cancel, claim_offer, find_booking, get_session
from bot.storage.db import Database
from bot.storage.models import Booking
from tests.unit.booking.conftest import add_session, person
from tests.unit.booking.test_waitlist_offers import _full_with_waiting

REQUESTS, SEATS = 200, 20


def _hammer(db_url, calls):
    """Run ``calls`` (functions of a Database) all at once, one thread each."""
    database = Database(db_url, poolclass=NullPool)  # one connection per request
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call(database)
        except errors.BookingError as error:
            return error

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(run, calls))
    finally:
        database.dispose()


@pytest.mark.slow
def test_200_requests_for_20_seats(db, db_url):
    sid = add_session(db, capacity=SEATS)
    calls = [
        (lambda database, n=n: book(database, sid, person(n), consent=True, waitlist_ok=True,
                                    notify=False))
        for n in range(REQUESTS)
    ]
    results = _hammer(db_url, calls)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Counter(r.status for r in results) == {"registered": SEATS,
                                                  "waitlisted": REQUESTS - SEATS}
    assert len({r.reference for r in results}) == REQUESTS
    assert len({r.email for r in results}) == REQUESTS
    ranks = sorted(r.waitlist_rank for r in results if r.status == "waitlisted")
    assert ranks == list(range(1, REQUESTS - SEATS + 1))
    with db.Session() as s:
        rows = s.execute(select(Booking.status, Booking.position)
                         .where(Booking.session_id == sid)).all()
    assert len(rows) == REQUESTS
    assert Counter(status for status, _ in rows)["registered"] == SEATS
    positions = [p for status, p in rows if status == "waitlisted"]
    assert sorted(positions) == list(range(1, REQUESTS - SEATS + 1))
    info = get_session(db, sid)
    assert (info.seats_left, info.waitlist_count) == (0, REQUESTS - SEATS)


def test_same_person_twice_at_once_gets_one_booking(db, db_url):
    sid = add_session(db, capacity=SEATS)
    calls = [(lambda database: book(database, sid, person(1), consent=True, notify=False))
             for _ in range(20)]
    results = _hammer(db_url, calls)
    booked = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, errors.AlreadyBooked)]
    assert len(booked) == 1 and len(refused) == 19
    assert get_session(db, sid).seats_left == SEATS - 1


@pytest.mark.slow
def test_claims_cancellations_and_bookings_at_once_never_exceed_capacity(db, db_url):
    seats, waiting, leaving, newcomers = 20, 40, 10, 20
    sid, registered, queue = _full_with_waiting(db, waiting=waiting, capacity=seats)
    calls = (
        [(lambda d, b=b: cancel(d, b.reference, b.email, notify=False)) for b in registered[:leaving]]
        + [(lambda d, q=q: claim_offer(d, q.reference, q.email, notify=False)) for q in queue]
        + [(lambda d, n=n: book(d, sid, person(500 + n), consent=True, waitlist_ok=True,
                                notify=False)) for n in range(newcomers)]
    )
    results = _hammer(db_url, calls)
    unexpected = [r for r in results if isinstance(r, Exception)]
    assert not unexpected, unexpected
    with db.Session() as s:
        rows = s.execute(select(Booking.status, Booking.offered_at)
                         .where(Booking.session_id == sid)).all()
    counts = Counter(status for status, _ in rows)
    held = sum(1 for status, offered in rows if status == "waitlisted" and offered is not None)
    assert counts["registered"] + held == seats  # every freed seat is taken or held, no more
    claims = results[leaving:leaving + waiting]
    assert sum(1 for c in claims if c.claimed) == counts["registered"] - (seats - leaving)
    # Everybody offered a seat since can still take it, and then the session is exactly full.
    for q in queue:
        current = find_booking(db, q.reference, q.email)
        if current.has_offer:
            assert claim_offer(db, q.reference, q.email, notify=False).claimed
    info = get_session(db, sid)
    assert info.seats_left == 0
    with db.Session() as s:
        registered_now = s.execute(select(Booking.id).where(
            Booking.session_id == sid, Booking.status == "registered")).all()
    assert len(registered_now) == seats
