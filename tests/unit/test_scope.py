"""The coach's scope, applied in SQL by the domain functions the dashboard and
the API share (bot/scope.py, bot/people.py, bot/handoff.py, bot/booking/coach.py):
the right rows, and a fixed number of queries whatever the number of rows."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from bot import handoff, people
from bot.booking import coach as coach_ops
from bot.booking import service as booking
from bot.booking.errors import BookingNotFound, SessionNotFound
from bot.scope import OutOfScope, Scope
from bot.storage.models import HandoffRequest, InfoSession, utcnow


def session_in(db, slug) -> int:
    with db.reader() as s:
        return s.execute(select(InfoSession.id).where(InfoSession.cae_id == coach_ops.cae_id_of(db, slug),
                                                      InfoSession.starts_at > utcnow())
                         .order_by(InfoSession.starts_at)).scalars().first()


def book(db, slug, n):
    return booking.book(db, session_in(db, slug), {"first_name": f"Léa{n}", "last_name": "Martin",
                                                    "email": f"lea.{slug}.{n}@exemple.fr"},
                        consent=True, notify=False)


@contextmanager
def counted(db):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def two_caes(sample_db):
    db = sample_db
    normandie, paris = coach_ops.cae_id_of(db, "coop-normandie"), coach_ops.cae_id_of(db, "coop-paris")
    refs = {"normandie": [book(db, "coop-normandie", n).reference for n in range(3)],
            "paris": [book(db, "coop-paris", n).reference for n in range(2)]}
    return db, Scope.of(normandie, False), Scope.of(paris, False), refs


def test_people_listing_is_the_cae_s_own_in_one_query(two_caes):
    db, normandie, paris, _ = two_caes
    with counted(db) as statements:
        theirs = people.list_people(db, normandie)
    assert len(statements) == 1
    assert sorted(p.email for p in theirs) == [f"lea.coop-normandie.{n}@exemple.fr" for n in range(3)]
    assert all(p.bookings == 1 for p in theirs)
    assert {p.email for p in people.list_people(db, paris)} == {f"lea.coop-paris.{n}@exemple.fr" for n in range(2)}
    assert len(people.list_people(db, Scope())) == 5
    assert people.list_people(db, Scope.of(None, False)) == []  # a coach without a CAE
    # More people: still one query.
    for n in range(3, 9):
        book(db, "coop-normandie", n)
    with counted(db) as statements:
        assert len(people.list_people(db, normandie)) == 9
    assert len(statements) == 1


def test_a_person_of_another_cae_is_out_of_scope(two_caes):
    db, normandie, paris, _ = two_caes
    someone = people.list_people(db, paris)[0]
    with pytest.raises(OutOfScope):
        people.person_file(db, normandie, someone.id)
    with pytest.raises(OutOfScope):
        people.require_person(db, normandie, someone.id)
    assert people.require_person(db, paris, someone.id) == someone.id
    found = people.person_file(db, paris, someone.id)
    assert [b.session.cae_slug for b in found.bookings] == ["coop-paris"]
    with pytest.raises(people.PersonNotFound):
        people.person_file(db, Scope(), 999999)


def test_sessions_and_bookings_of_the_cae_only(two_caes):
    db, normandie, paris, refs = two_caes
    with counted(db) as statements:
        listed = coach_ops.sessions_in_scope(db, normandie)
    assert len(statements) == 2  # the sessions with their CAE and place, then their seats
    assert listed and {s.cae_slug for s in listed} == {"coop-normandie"}
    assert {s.cae_slug for s in coach_ops.sessions_in_scope(db, Scope())} > {"coop-normandie", "coop-paris"}
    rows = coach_ops.bookings_in_scope(db, normandie)
    assert sorted(r.reference for r in rows) == sorted(refs["normandie"])
    assert all(r.live for r in rows)
    caes, places = coach_ops.caes_and_places(db, normandie)
    assert [slug for slug, _ in caes] == ["coop-normandie"]
    assert places and {cae for _, _, cae in places} == {"coop-normandie"}  # (id, name, CAE slug)

    paris_session = session_in(db, "coop-paris")
    with pytest.raises(OutOfScope):
        coach_ops.session_in_scope(db, normandie, paris_session)
    assert coach_ops.session_in_scope(db, paris, paris_session) == paris_session
    with pytest.raises(SessionNotFound):
        coach_ops.session_in_scope(db, Scope(), 999999)
    with pytest.raises(OutOfScope):
        coach_ops.booking_in_scope(db, normandie, refs["paris"][0])
    assert coach_ops.booking_in_scope(db, paris, refs["paris"][0]) == paris_session
    with pytest.raises(BookingNotFound):
        coach_ops.booking_in_scope(db, Scope(), "RI-222222")


def test_handoff_requests_routed_to_the_cae_or_to_nobody(two_caes):
    db, normandie, paris, _ = two_caes
    ids = {}
    for name, cae_id in (("normandie", normandie.cae_id), ("paris", paris.cae_id), ("nobody", None)):
        ids[name] = handoff.create_request(db, None, "widget", f"question {name}")
        with db.session() as s:
            s.get(HandoffRequest, ids[name]).cae_id = cae_id
    assert {r.reason for r in handoff.requests_for(db, normandie)} == {"question normandie", "question nobody"}
    assert {r.reason for r in handoff.requests_for(db, Scope.of(None, False))} == {"question nobody"}
    assert len(handoff.requests_for(db, Scope())) == 3
    with pytest.raises(handoff.RequestNotFound):
        handoff.mark_handled(db, normandie, ids["paris"], coach_id=None)
    handoff.mark_handled(db, normandie, ids["normandie"], coach_id=None)
    assert {r.reason for r in handoff.requests_for(db, normandie)} == {"question nobody"}
    assert {r.reason for r in handoff.requests_for(db, normandie, include_handled=True)} == {
        "question normandie", "question nobody"}
