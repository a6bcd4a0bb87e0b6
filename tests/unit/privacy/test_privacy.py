"""Export and erasure across every store, and retention."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import identity
from bot.booking import service as booking
from bot.mail import OutboxMailer
from bot.curriculum import service as curriculum
from bot.eligibility.outcomes import record_outcome
from bot.handoff import create_request
from bot.privacy import erase_data, export_data
from bot.privacy.purge import Periods, purge
from bot.storage import models
from bot.storage.models import Person, utcnow
from bot.transcripts import TrackerReader

EMAIL, PHONE = "lea.martin@exemple.fr", "+33 6 12 34 56 78"


def save_conversation(path, sender, texts_and_slots):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered, ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for text, slot in texts_and_slots:
        events.append(UserUttered(text, intent={"name": "inform", "confidence": 0.9}, input_channel="rest"))
        if slot:
            events.append(SlotSet(*slot))
        events.append(BotUttered("Merci."))
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


@pytest.fixture
def world(sample_db, tmp_path):
    """Léa booked in conversation A, asked for a person, checked eligibility, follows a module
    (her coach's code links conversation A to her); somebody else chatted anonymously in
    conversation Z."""
    tracker_db = tmp_path / "tracker.db"
    save_conversation(tracker_db, "conv-A", [("je m'appelle Léa Martin", ("first_name", "Léa")),
                                             (EMAIL, ("email", EMAIL)), (PHONE, ("phone", PHONE))])
    save_conversation(tracker_db, "conv-Z", [("c'est quoi une CAE ?", None)])
    session = booking.upcoming_sessions(sample_db)[0]
    booked = booking.book(sample_db, session.id, {"first_name": "Léa", "last_name": "Martin", "email": EMAIL,
                                                  "phone": PHONE}, consent=True, conversation_id="conv-A",
                          mailer=OutboxMailer(tmp_path / "outbox"))
    with sample_db.reader() as s:
        person_id = s.execute(select(Person.id).where(Person.email == EMAIL)).scalar_one()
    identity.link_with_coach_code(sample_db, "conv-A", identity.create_coach_code(sample_db, person_id))
    create_request(sample_db, "conv-A", "rest", "je voudrais parler de mon projet", email=EMAIL)
    record_outcome(sample_db, {"status": "eligible", "matched": ["graphiste"], "rules": ["r1"]}, "conv-A")
    record_outcome(sample_db, {"status": "eligible", "matched": ["graphiste"], "rules": ["r1"]}, "conv-Z")
    curriculum.enrol(sample_db, person_id, "ante_creation")
    curriculum.complete_objective(sample_db, person_id, "break_even")
    reader = TrackerReader(f"sqlite:///{tracker_db}")
    yield {"db": sample_db, "reader": reader, "person_id": person_id, "reference": booked.reference,
           "outbox": tmp_path / "outbox"}
    reader.dispose()


def everything_as_text(world) -> str:
    """Every row of every store, and the outbox, as one string."""
    db, reader = world["db"], world["reader"]
    chunks = [json.dumps(row, default=str, ensure_ascii=False) for row in reader.events()]
    with db.reader() as s:
        for table in models.Base.metadata.sorted_tables:
            chunks += [json.dumps(dict(row._mapping), default=str, ensure_ascii=False) for row in s.execute(select(table))]
    chunks += [p.read_text(errors="replace") for p in world["outbox"].glob("*.eml")]
    return "\n".join(chunks)


def test_export_is_one_json_document_with_everything(world):
    document = export_data(world["db"], world["reader"], "conv-A")
    text = json.dumps(document, ensure_ascii=False)
    assert document["person"]["email"] == EMAIL and document["bookings"][0]["reference"] == world["reference"]
    assert document["handoff_requests"][0]["reason"] == "je voudrais parler de mon projet"
    assert document["training"]["modules"][0]["done"] == 1
    assert "je m'appelle Léa Martin" in text and "conv-Z" not in text
    anonymous = export_data(world["db"], world["reader"], "conv-Z")
    assert "person" not in anonymous and "c'est quoi une CAE ?" in json.dumps(anonymous, ensure_ascii=False)


def test_erasure_leaves_nothing_in_any_store(world):
    before = everything_as_text(world)
    assert EMAIL in before and "Martin" in before and "6 12 34 56 78" in before
    summary = erase_data(world["db"], world["reader"], "conv-A", outbox=world["outbox"])
    after = everything_as_text(world)
    for needle in (EMAIL, "Martin", "6 12 34 56 78", "je voudrais parler de mon projet", "Léa"):
        assert needle not in after, needle
    assert summary["events"] > 0 and summary["emails"] >= 1 and summary["bookings_kept"] == 1
    # The anonymous conversation is untouched; Rasa can still load the erased one.
    assert "c'est quoi une CAE ?" in after
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=world["reader"].url.split("///", 1)[1])
    tracker = asyncio.run(store.retrieve("conv-A"))
    assert tracker is not None and tracker.latest_message.text in (None, "")
    store.engine.dispose()
    with world["db"].reader() as s:
        assert s.execute(select(models.ObjectiveProgress)).first() is None
        assert s.get(Person, world["person_id"]).erased_at is not None


def test_retention_purge(world):
    db, reader = world["db"], world["reader"]
    booking.cancel(db, world["reference"], EMAIL)
    later = utcnow() + timedelta(days=40)
    counts = purge(db, reader, now=later, periods=Periods(timedelta(days=180), timedelta(days=30), timedelta(days=365)))
    assert counts == {"people": 0, "cancelled_bookings": 1, "transcripts": 0}
    much_later = utcnow() + timedelta(days=400)
    counts = purge(db, reader, now=much_later, periods=Periods(timedelta(days=180), timedelta(days=30), timedelta(days=365)))
    assert counts["people"] == 1 and counts["transcripts"] >= 1
    assert EMAIL not in everything_as_text(world)
    assert "c'est quoi une CAE ?" not in everything_as_text(world)
    with db.reader() as s:  # anonymous statistics stay
        assert s.execute(select(models.EligibilityOutcome)).first() is not None


def test_retention_purge_erases_the_person_as_on_request_and_nothing_else(world, tmp_path):
    """The purge erases an inactive person by the person (``erase_person``): their
    record, conversation, requests, checks and training go, as on request; another
    person, still active, and the anonymous conversation stay whole."""
    db, reader = world["db"], world["reader"]
    much_later = utcnow() + timedelta(days=400)
    save_conversation(reader.url.split("///", 1)[1], "conv-B", [("je suis Marc Durand", ("first_name", "Marc"))])
    session = booking.upcoming_sessions(db)[0]
    marc = booking.book(db, session.id, {"first_name": "Marc", "last_name": "Durand", "email": "marc.durand@exemple.fr",
                                         "phone": "+33 6 98 76 54 32"}, consent=True, conversation_id="conv-B",
                        mailer=OutboxMailer(tmp_path / "outbox"))
    create_request(db, "conv-B", "rest", "une question de Marc", email="marc.durand@exemple.fr")

    def make_marc_recent(s) -> None:  # active: created ten days before the purge
        s.execute(update(Person).where(Person.email == "marc.durand@exemple.fr")
                  .values(created_at=much_later - timedelta(days=10)))

    db.run(make_marc_recent)
    counts = purge(db, reader, now=much_later,
                   periods=Periods(timedelta(days=1000), timedelta(days=30), timedelta(days=365)))
    assert counts["people"] == 1
    stores = everything_as_text({**world, "outbox": tmp_path / "no-outbox"})  # the purge's outbox is the default one
    for needle in (EMAIL, "Martin", "6 12 34 56 78", "je voudrais parler de mon projet", "Léa"):
        assert needle not in stores, needle
    with db.reader() as s:
        assert s.get(Person, world["person_id"]).erased_at is not None
        assert s.execute(select(models.ObjectiveProgress)).first() is None
        assert s.execute(select(models.ConversationLink).where(
            models.ConversationLink.conversation_id == "conv-A")).first() is None
        kept = s.execute(select(Person).where(Person.email == "marc.durand@exemple.fr")).scalar_one()
        assert kept.erased_at is None and kept.last_name == "Durand"
        assert s.execute(select(models.Booking.status).where(
            models.Booking.reference == marc.reference)).scalar_one() == models.REGISTERED
    for needle in ("je suis Marc Durand", "une question de Marc", "c'est quoi une CAE ?"):
        assert needle in stores, needle
    assert "conv-Z" in stores  # the anonymous check keeps its conversation (transcripts not yet due)


def test_erasure_sends_the_calendar_cancellation_first(world):
    """The event leaves the person's calendar: METHOD:CANCEL goes to the address
    before it is erased (an SMTP server here: a mailer that keeps the messages)."""
    from icalendar import Calendar

    class KeepingMailer:
        sender = "Assistant CAE <no-reply@cae-assistant.invalid>"

        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append(message)
            return message["Message-ID"]

    mailer = KeepingMailer()
    erase_data(world["db"], world["reader"], "conv-A", outbox=world["outbox"], mailer=mailer)
    [message] = mailer.sent
    assert message["To"] == EMAIL
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == f"{world['reference']}@cae-assistant"
    assert "Léa" not in message.get_body(("plain",)).get_content()
