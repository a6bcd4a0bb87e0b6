"""conversation_cae: kept in sync by links, bookings, changes of date, enrolments
and handoff requests; backfilled by the migration and by ``resync``; erased with
the conversations; read with one query."""
from __future__ import annotations

from sqlalchemy import create_engine, delete, event, insert, select

from bot import conversation_cae, identity
from bot.booking import service as booking
from bot.booking.coach import cae_id_of
from bot.booking.sample import load_sample
from bot.curriculum import service as curriculum
from bot.handoff import create_request
from bot.privacy import erase_data
from bot.storage import db as storage
from bot.storage.models import (
    Booking, ConversationCae, ConversationLink, InfoSession, Person, utcnow,
)
from bot.transcripts import EVENTS, TrackerReader
from bot.accounts import create_coach

EMAIL = "lea.martin@exemple.fr"


def rows(db) -> dict[tuple[str, str], str]:
    """(conversation, CAE slug) -> source."""
    from bot.storage.models import Cae

    with db.reader() as s:
        return {(cid, slug): source for cid, slug, source in s.execute(
            select(ConversationCae.conversation_id, Cae.slug, ConversationCae.source)
            .join(Cae, Cae.id == ConversationCae.cae_id))}


def session_in(db, slug) -> int:
    with db.reader() as s:
        return s.execute(select(InfoSession.id).where(InfoSession.cae_id == cae_id_of(db, slug),
                                                      InfoSession.starts_at > utcnow())
                         .order_by(InfoSession.starts_at)).scalars().first()


def book(db, slug, email=EMAIL, conversation_id=None):
    return booking.book(db, session_in(db, slug), {"first_name": "Léa", "last_name": "Martin", "email": email},
                        consent=True, notify=False, conversation_id=conversation_id)


def person_id(db, email=EMAIL) -> int:
    with db.reader() as s:
        return s.execute(select(Person.id).where(Person.email == email)).scalar_one()


def test_a_booking_conversation_gets_the_cae_and_follows_the_person(sample_db):
    db = sample_db
    book(db, "coop-normandie")  # made outside the chat: no conversation
    assert rows(db) == {}
    booked = book(db, "coop-normandie", conversation_id="conv-a")
    assert rows(db) == {("conv-a", "coop-normandie"): "booking"}
    # A second booking from the same conversation: it gets that CAE too.
    book(db, "coop-paris", conversation_id="conv-a")
    assert rows(db) == {("conv-a", "coop-normandie"): "booking", ("conv-a", "coop-paris"): "booking"}
    # Moving the Rouen booking to Lyon: Rouen goes, Lyon comes.
    booking.change_date(db, booked.reference, EMAIL, session_in(db, "coop-lyon"), notify=False)
    assert rows(db) == {("conv-a", "coop-lyon"): "booking", ("conv-a", "coop-paris"): "booking"}


def test_an_enrolment_and_a_coach_code_link(sample_db):
    db = sample_db
    with db.session() as s:
        s.add(Person(first_name="Inès", last_name="Moreau", email="ines@exemple.fr", created_at=utcnow()))
    pid = person_id(db, "ines@exemple.fr")
    paris_coach = create_coach(db, "paris@cae.test", "un mot de passe solide", cae_id=cae_id_of(db, "coop-paris"))
    curriculum.enrol(db, pid, "ante_creation", coach_id=paris_coach)
    identity.link_with_coach_code(db, "conv-i", identity.create_coach_code(db, pid, paris_coach))
    assert rows(db) == {("conv-i", "coop-paris"): "enrolment"}
    curriculum.enrol(db, pid, "post_creation")  # no coach, no CAE: nothing changes
    assert rows(db) == {("conv-i", "coop-paris"): "enrolment"}


def test_a_handoff_keeps_its_cae_when_the_link_goes(sample_db):
    db = sample_db
    book(db, "coop-paris", conversation_id="conv-h")
    create_request(db, "conv-h", "rest", "je voudrais parler à quelqu'un")
    create_request(db, "conv-anonymous", "rest", "bonjour ?")
    assert rows(db) == {("conv-h", "coop-paris"): "booking"}
    identity.unlink(db, "conv-h")
    assert rows(db) == {("conv-h", "coop-paris"): "handoff"}


def test_resync_rebuilds_from_scratch_and_drops_stale_rows(sample_db):
    db = sample_db
    book(db, "coop-normandie", conversation_id="conv-a")
    expected = rows(db)
    with db.session() as s:
        s.execute(delete(ConversationCae))
        s.execute(insert(ConversationCae).values(conversation_id="conv-gone", cae_id=cae_id_of(db, "coop-lyon"),
                                                 source="booking", updated_at=utcnow()))
    assert conversation_cae.backfill(db) == 2
    assert rows(db) == expected
    assert conversation_cae.backfill(db) == 0  # idempotent


def test_the_migration_fills_the_table_from_existing_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    storage.upgrade(url, "0003")
    db = storage.Database(url)
    load_sample(db)
    with db.session() as s:  # data written before conversation_cae existed (no hooks)
        # The columns of revision 0003 only (the models have moved on since).
        person_id = s.execute(insert(Person.__table__).values(
            first_name="Léa", last_name="Martin", email=EMAIL, created_at=utcnow())).inserted_primary_key[0]
        s.execute(insert(Booking.__table__).values(
            reference="RI-AAAAAA", person_id=person_id, session_id=session_in(db, "coop-paris"),
            status="registered", sequence=0, created_at=utcnow(), updated_at=utcnow()))
        s.add(ConversationLink(conversation_id="conv-old", person_id=person_id, method="coach_code"))
    storage.upgrade(url, "0004_conversation_cae")
    assert rows(db) == {("conv-old", "coop-paris"): "booking"}
    with db.reader() as s:
        assert s.execute(select(ConversationCae.updated_at)).scalar_one() is not None
    db.dispose()


def test_erasure_forgets_the_conversations_cae(sample_db, tmp_path):
    db = sample_db
    book(db, "coop-normandie", conversation_id="conv-a")
    create_request(db, "conv-a", "rest", "appelez-moi", email=EMAIL)
    assert rows(db)
    reader = TrackerReader(f"sqlite:///{tmp_path / 'tracker.db'}")
    erase_data(db, reader, "conv-a")
    reader.dispose()
    assert rows(db) == {}
    conversation_cae.backfill(db)  # nothing comes back: links and requests are gone
    assert rows(db) == {}


def test_hidden_from_one_query_per_coach(sample_db):
    db = sample_db
    book(db, "coop-normandie", conversation_id="conv-rouen")
    book(db, "coop-paris", "ines@exemple.fr", conversation_id="conv-paris")
    book(db, "coop-lyon", "ines@exemple.fr", conversation_id="conv-paris")  # Inès in Paris and Lyon
    rouen, paris, lyon = (cae_id_of(db, slug) for slug in ("coop-normandie", "coop-paris", "coop-lyon"))
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.reader() as s:
        assert conversation_cae.hidden_from(s, rouen) == {"conv-paris"}
        assert conversation_cae.hidden_from(s, paris) == {"conv-rouen"}
        assert conversation_cae.hidden_from(s, lyon) == {"conv-rouen"}
        assert conversation_cae.hidden_from(s, None) == {"conv-rouen", "conv-paris"}
    assert len([q for q in statements if "conversation_cae" in q]) == 4


def test_tracker_query_leaves_out_hidden_conversations_even_beyond_sqlite_parameter_limit(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [
            {"sender_id": sender, "type_name": "user", "timestamp": 1.0, "intent_name": "greet", "data": "{}"}
            for sender in ("visible", "hidden-1", "it's hidden")])
    engine.dispose()
    reader = TrackerReader(url)
    statements = []
    event.listen(reader.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    hidden = {"hidden-1", "it's hidden"} | {f"x{i}" for i in range(40000)}
    assert {row["sender_id"] for row in reader.events(hidden=hidden)} == {"visible"}
    assert {row["sender_id"] for row in reader.events(hidden={"hidden-1"})} == {"visible", "it's hidden"}
    assert len([q for q in statements if "FROM events" in q]) == 2
    reader.dispose()
