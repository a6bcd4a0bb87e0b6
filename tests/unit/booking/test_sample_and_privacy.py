"""Sample data, personal data export and erasure."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.booking import errors
from bot.booking.sample import SAMPLE_SLUGS, load_sample, main
from bot.booking.service import (
    book,
    erase_person,
    export_person,
    find_booking,
    upcoming_sessions,
)
from bot.storage.models import Booking, Person
from tests.unit.booking.conftest import add_session, person, utcnow


def test_sample_loads_and_can_be_booked(db):
    counts = load_sample(db)
    assert set(counts) == set(SAMPLE_SLUGS) and all(counts.values())
    assert load_sample(db) == counts  # idempotent
    for where in ("76", "Rouen", "75", "Paris", "69", "lyon", "video"):
        assert upcoming_sessions(db, where), where
    first = upcoming_sessions(db, "Rouen")[0]
    made = book(db, first.id, person(1), consent=True)
    assert made.status == "registered"
    assert load_sample(db, reset=True) == counts
    with pytest.raises(errors.BookingNotFound):  # reset: sessions and bookings are new
        find_booking(db, made.reference, "camille.1@example.org")
    with db.Session() as s:  # people are kept
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 1


def test_sample_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAE_DATABASE_URL", f"sqlite:///{tmp_path / 'cae.db'}")
    main([])
    main(["--reset"])
    output = capsys.readouterr().out
    assert "coop-normandie" in output and (tmp_path / "cae.db").exists()


def test_export_person(db):
    a, b = add_session(db), add_session(db, starts_in=timedelta(days=8))
    made = book(db, a, person(1, phone="0601020304"), consent=True, notify=False)
    book(db, b, person(1), consent=True, notify=False)
    data = export_person(db, "Camille.1@example.org")
    json.dumps(data)  # ready to send
    assert data["person"]["email"] == "camille.1@example.org"
    assert data["person"]["phone"] == "0601020304" and data["person"]["consent_at"]
    assert [x["reference"] for x in data["bookings"]][0] == made.reference
    assert data["bookings"][0]["session"]["city"] == "Rouen"
    with pytest.raises(errors.PersonNotFound) as error:
        export_person(db, "personne@example.org")
    assert "aucune donnée" in error.value.message_fr


def test_erase_person(db):
    a = add_session(db, capacity=1)
    past = add_session(db, starts_in=timedelta(hours=1))
    made = book(db, a, person(1), consent=True, notify=False)
    attended = book(db, past, person(1), consent=True, notify=False)
    waiting = book(db, a, person(2), consent=True, waitlist_ok=True, notify=False)
    later = utcnow() + timedelta(hours=3)  # `past` is over
    result = erase_person(db, "camille.1@example.org", now=later)
    assert result["bookings_kept"] == 2
    assert result["cancelled"] == [made.reference]
    assert [p.reference for p in result["promoted"]] == [waiting.reference]
    with db.Session() as s:
        erased = s.execute(select(Person).where(Person.erased_at.is_not(None))).scalar_one()
        assert (erased.first_name, erased.last_name, erased.email, erased.phone,
                erased.consent_at) == ("", "", None, None, None)
        statuses = s.execute(select(Booking.reference, Booking.status)
                             .where(Booking.person_id == erased.id)).all()
        assert dict(statuses) == {made.reference: "cancelled", attended.reference: "registered"}
    with pytest.raises(errors.PersonNotFound):
        export_person(db, "camille.1@example.org")
    with pytest.raises(errors.EmailMismatch):
        find_booking(db, attended.reference, "camille.1@example.org")
    # The same address can book again later, as a new person.
    assert book(db, add_session(db), person(1), consent=True, notify=False).status == "registered"
