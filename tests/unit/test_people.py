"""A coach's work on people (bot/people.py): the search by name, e-mail, phone
and reference (SQL, in scope), the file with outcomes and conversations once a
conversation is linked, notes (gone on erasure), cancelling and moving a booking
for the person."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import identity, people
from bot.booking import coach as coach_ops
from bot.booking import errors
from bot.booking import service as booking
from bot.eligibility.outcomes import record_outcome
from bot.scope import OutOfScope, Scope
from bot.storage.models import InfoSession, PersonNote, utcnow


def sessions_in(db, slug) -> list[int]:
    with db.reader() as s:
        return list(s.execute(select(InfoSession.id).where(
            InfoSession.cae_id == coach_ops.cae_id_of(db, slug), InfoSession.starts_at > utcnow())
            .order_by(InfoSession.starts_at)).scalars())


@pytest.fixture
def folks(sample_db):
    db = sample_db
    rouen, paris = sessions_in(db, "coop-normandie"), sessions_in(db, "coop-paris")
    lea = booking.book(db, rouen[0], {"first_name": "Léa", "last_name": "Martin", "email": "lea.martin@exemple.fr",
                                      "phone": "06 12 34 56 78"}, consent=True, notify=False,
                       conversation_id="conv-lea")
    bob = booking.book(db, rouen[0], {"first_name": "Bob", "last_name": "Durand_50%", "email": "bob@exemple.fr"},
                       consent=True, notify=False)
    ali = booking.book(db, paris[0], {"first_name": "Ali", "last_name": "Martin", "email": "ali@exemple.fr",
                                      "phone": "07 81 22 33 44"}, consent=True, notify=False)
    normandie = Scope.of(coach_ops.cae_id_of(db, "coop-normandie"), False)
    return db, normandie, {"lea": lea, "bob": bob, "ali": ali, "rouen": rouen, "paris": paris}


def names(records):
    return sorted(f"{p.first_name} {p.last_name}" for p in records)


def test_search_by_name_email_phone_reference_in_scope(folks):
    db, normandie, f = folks
    everyone = Scope()
    assert names(people.search_people(db, everyone, "martin")) == ["Ali Martin", "Léa Martin"]
    assert names(people.search_people(db, normandie, "martin")) == ["Léa Martin"]  # Ali is Paris's
    assert names(people.search_people(db, normandie, "léa MARTIN")) == ["Léa Martin"]
    assert names(people.search_people(db, normandie, "bob@exemple")) == ["Bob Durand_50%"]
    assert names(people.search_people(db, everyone, "+33 6 12 34")) == ["Léa Martin"]
    assert names(people.search_people(db, everyone, "0781223344")) == ["Ali Martin"]
    assert names(people.search_people(db, normandie, f["lea"].reference.lower())) == ["Léa Martin"]
    assert people.search_people(db, normandie, f["ali"].reference) == []
    # LIKE wildcards are text: "%" and "_" match only themselves.
    assert names(people.search_people(db, everyone, "_50%")) == ["Bob Durand_50%"]
    assert names(people.search_people(db, everyone, "%")) == ["Bob Durand_50%"]  # not everyone
    assert people.search_people(db, everyone, "personne") == []


def test_file_has_outcomes_and_conversations_once_linked(folks):
    db, normandie, f = folks
    pid = people.search_people(db, normandie, "lea.martin")[0].id
    record_outcome(db, {"status": "eligible", "rules": ["construction"]}, "conv-lea")
    record_outcome(db, {"status": "to_review", "rules": ["ambiguous_activity"]}, "conv-other")
    found = people.person_file(db, normandie, pid)
    assert found.conversations == ["conv-lea"]  # where she booked
    assert [o.status for o in found.outcomes] == ["eligible"]
    identity.link_with_coach_code(db, "conv-other", identity.create_coach_code(db, pid))
    found = people.person_file(db, normandie, pid)
    assert found.conversations == ["conv-lea", "conv-other"]
    assert [o.status for o in found.outcomes] == ["eligible", "to_review"]


def test_notes_scoped_limited_and_erased(folks):
    db, normandie, f = folks
    paris = Scope.of(coach_ops.cae_id_of(db, "coop-paris"), False)
    pid = people.search_people(db, normandie, "lea.martin")[0].id
    people.add_note(db, normandie, pid, None, "  Rappeler lundi  ")
    assert [n.text for n in people.person_file(db, normandie, pid).notes] == ["Rappeler lundi"]
    with pytest.raises(people.PersonError):
        people.add_note(db, normandie, pid, None, "   ")
    with pytest.raises(people.PersonError):
        people.add_note(db, normandie, pid, None, "x" * 2001)
    with pytest.raises(OutOfScope):
        people.add_note(db, paris, pid, None, "pas à moi")
    booking.erase_records(db, [pid], notify=False)
    with db.reader() as s:
        assert s.execute(select(PersonNote).where(PersonNote.person_id == pid)).first() is None


def test_cancel_and_move_a_booking_for_the_person(folks):
    db, normandie, f = folks
    pid = people.search_people(db, normandie, "lea.martin")[0].id
    bob = people.search_people(db, normandie, "bob")[0].id
    with pytest.raises(errors.BookingNotFound):  # not Bob's booking
        people.cancel_booking(db, normandie, bob, f["lea"].reference, notify=False)
    with pytest.raises(errors.SessionNotFound):  # a Paris session is not Normandie's to give
        people.move_booking(db, normandie, pid, f["lea"].reference, f["paris"][0], notify=False)
    moved = people.move_booking(db, normandie, pid, f["lea"].reference, f["rouen"][1], notify=False)
    assert moved.booking.session.id == f["rouen"][1]
    assert all(c.id in f["rouen"] for c in people.move_choices(db, normandie))
    people.cancel_booking(db, normandie, pid, f["lea"].reference, notify=False)
    assert booking.booking_by_reference(db, f["lea"].reference).status == "cancelled"
