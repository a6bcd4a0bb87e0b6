"""The search's folded columns and index (bot/search.py) on SQLite (on a
throw-away PostgreSQL cluster: tests/e2e/test_search_on_postgres.py): accents and case ignored both ways, kept up to
date on write (a renamed or erased person, a new message in the tracker store),
filled by the migration for the rows already there; scope in SQL."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select, text

from bot import handoff, people, search
from bot.booking import coach as coach_ops
from bot.booking import service as booking
from bot.scope import Scope
from bot.storage.db import Database, upgrade
from bot.storage.models import Base, ConversationSearch, HandoffRequest, InfoSession, Person, utcnow
from bot.transcripts import TrackerReader


def open_db(kind: str, request, tmp_path):
    """The database of one test, with the profiles and the sample loaded: a fresh
    SQLite file, or the module's PostgreSQL cluster emptied
    (tests/e2e/test_search_on_postgres.py)."""
    from bot.booking.sample import load_sample
    from bot.caes.store import load_profiles

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'cae.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
        database = Database(url)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        database.dispose()
    database = Database(url)
    load_profiles(database)
    load_sample(database)
    yield database
    database.dispose()


@pytest.fixture
def db(request, tmp_path):
    yield from open_db("sqlite", request, tmp_path)


def first_session(db, slug) -> int:
    with db.reader() as s:
        return s.execute(select(InfoSession.id).where(
            InfoSession.cae_id == coach_ops.cae_id_of(db, slug), InfoSession.starts_at > utcnow())
            .order_by(InfoSession.starts_at)).scalars().first()


def names(records) -> list[str]:
    return sorted(f"{p.first_name} {p.last_name}" for p in records)


@pytest.fixture
def folks(db):
    booking.book(db, first_session(db, "coop-normandie"),
                 {"first_name": "Léa", "last_name": "Lefèvre", "email": "l.lefevre@exemple.fr"},
                 consent=True, notify=False, conversation_id="conv-lea")
    booking.book(db, first_session(db, "coop-paris"),
                 {"first_name": "ÉLODIE", "last_name": "Çetin", "email": "elodie@exemple.fr"},
                 consent=True, notify=False, conversation_id="conv-elodie")
    normandie = Scope.of(coach_ops.cae_id_of(db, "coop-normandie"), False)
    paris = Scope.of(coach_ops.cae_id_of(db, "coop-paris"), False)
    return normandie, paris


def test_people_ignore_case_and_accents_both_ways(db, folks):
    normandie, paris = folks
    everyone = Scope()
    for query in ("lea", "LEA", "léa", "Léa LEFEVRE", "lefèvre", "LEFÈVRE"):
        assert names(people.search_people(db, everyone, query)) == ["Léa Lefèvre"], query
    for query in ("elodie", "élodie", "cetin", "ÇETIN"):
        assert names(people.search_people(db, everyone, query)) == ["ÉLODIE Çetin"], query
    assert people.search_people(db, paris, "lea") == []  # Léa is Rouen's
    assert people.search_people_counted(db, normandie, "lea") == (people.search_people(db, normandie, "lea"), 1)


def test_renamed_and_erased_people_are_searched_as_they_are_now(db, folks):
    everyone = Scope()

    def rename(s):
        person = s.execute(select(Person).where(Person.email == "l.lefevre@exemple.fr")).scalar_one()
        person.first_name = "Léonie"

    db.run(rename)
    assert people.search_people(db, everyone, "lea lefevre") == []
    assert names(people.search_people(db, everyone, "leonie")) == ["Léonie Lefèvre"]
    booking.erase_person(db, "l.lefevre@exemple.fr", notify=False)
    assert people.search_people(db, everyone, "leonie") == []
    with db.reader() as s:
        assert set(s.execute(select(Person.search_text).where(Person.erased_at.is_not(None))).scalars()) == {""}


def test_requests_by_question_and_context_in_scope(db, folks):
    normandie, paris = folks
    handoff.create_request(db, "conv-lea", "rest", "Puis-je prendre un ÉLÈVE ?",
                           context={"activity": "Pâtisserie à domicile"},
                           cae_id=coach_ops.cae_id_of(db, "coop-normandie"))
    handoff.create_request(db, None, "rest", "Question générale sur l'élève")  # routed to nobody
    found, count = search.search_requests(db, normandie, "eleve")
    assert count == 2 and {r.reason for r in found} == {"Puis-je prendre un ÉLÈVE ?", "Question générale sur l'élève"}
    assert search.search_requests(db, normandie, "patisserie domicile")[1] == 1
    assert search.search_requests(db, paris, "patisserie")[1] == 0  # Rouen's request
    assert search.search_requests(db, paris, "élève")[1] == 1  # the unrouted one
    assert search.search_requests(db, paris, "%")[1] == 0  # LIKE wildcards are text


def test_conversations_index_follows_the_tracker(db, folks, tmp_path):
    from tests.webapp import make_tracker_db

    normandie, paris = folks
    url = make_tracker_db(tmp_path / "tracker.db", {"conv-lea": ["Je suis Léa, une question sur l'ÉLÈVE"],
                                                    "conv-elodie": ["Bonjour, élève et stage"]})
    reader = TrackerReader(url)
    try:
        assert search.refresh_index(db, reader) == 5  # the three of make_tracker_db and these two
        assert search.refresh_index(db, reader) == 0  # nothing new
        assert search.conversation_ids(db, reader, Scope(), "eleve") == {"conv-lea", "conv-elodie"}
        assert search.conversation_ids(db, reader, normandie, "ELEVE") == {"conv-lea"}
        assert search.conversation_ids(db, reader, paris, "eleve") == {"conv-elodie"}
        assert search.conversation_ids(db, reader, Scope(), "conv-lea") == {"conv-lea"}  # the sender id
        hits, count = search.search_conversations(db, reader, normandie, "question eleve")
        assert count == 1 and hits[0].snippet == "Je suis Léa, une question sur l'ÉLÈVE"
        # A new message, then a review's tag: found without rebuilding everything.
        _append(reader, "conv-elodie", "Et pour un apprenti ?")
        assert search.conversation_ids(db, reader, paris, "apprenti") == {"conv-elodie"}
        with db.reader() as s:
            assert s.execute(select(ConversationSearch.conversation_id).where(
                ConversationSearch.last_event_id == 0)).all() == []
        from bot.transcripts import save_review
        save_review(db, "conv-plain", None, "Rémunération", "", False)
        assert search.conversation_ids(db, reader, normandie, "remuneration") == {"conv-plain"}
        # The retention purge drops old transcripts (not those linked to a person kept),
        # and their folded copies with them.
        from datetime import timedelta

        from bot.privacy.purge import Periods, purge
        purge(db, reader, now=utcnow() + timedelta(days=400),
              periods=Periods(timedelta(days=180), timedelta(days=30), timedelta(days=10000)))
        assert search.conversation_ids(db, reader, Scope(), "remuneration") == set()  # conv-plain's tag
        assert search.conversation_ids(db, reader, Scope(), "bonjour") == {"conv-elodie"}  # kept: linked
        with db.reader() as s:
            assert set(s.execute(select(ConversationSearch.conversation_id)).scalars()) == {"conv-lea", "conv-elodie"}
    finally:
        reader.dispose()


def _append(reader: TrackerReader, sender: str, message: str) -> None:
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=reader.engine.url.database)

    async def work():
        tracker = await store.retrieve(sender)
        tracker.update(UserUttered(message, intent={"name": "inform", "confidence": 0.9}))
        await store.save(tracker)

    asyncio.run(work())
    store.engine.dispose()


def test_the_migration_fills_the_folded_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0020_live_push")
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO person (first_name, last_name, email, created_at) "
                                "VALUES ('Zoé', 'Ménard', 'zoe@exemple.fr', '2026-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO handoff_request (created_at, reason, context, status) "
                                "VALUES ('2026-01-01 00:00:00', 'Où en est ma CAPE ?', "
                                "'{\"topic\": \"cape_what\", \"activity\": \"Céramique\"}', 'open')"))
        connection.execute(text("INSERT INTO conversation_review (conversation_id, reviewed, tags, note, updated_at) "
                                "VALUES ('conv-old', 0, 'à rappeler', '', '2026-01-01 00:00:00')"))
    database.dispose()
    upgrade(url)
    database = Database(url)
    try:
        with database.reader() as s:
            assert s.execute(select(Person.search_text)).scalar_one() == "zoe menard zoe@exemple.fr"
            assert s.execute(select(HandoffRequest.search_text)).scalar_one() == "ou en est ma cape ? cape_what ceramique"
            assert s.get(ConversationSearch, "conv-old").tags == "a rappeler"
        assert names(people.search_people(database, Scope(), "zoe menard")) == ["Zoé Ménard"]
    finally:
        database.dispose()


def test_contains_takes_like_wildcards_literally(db):
    """bot.storage.db.contains: "%", "_" and "\\" typed in a search are letters."""
    from bot.storage.db import contains

    with db.session() as s:
        for i, name in enumerate(("taux 50%", "taux 500", "a_b", "axb", "c:\\d")):
            s.add(Person(first_name=name, last_name="T", email=f"contains-{i}@t.fr"))
    with db.reader() as s:
        def found(text):
            return sorted(s.execute(select(Person.first_name).where(contains(Person.first_name, text))).scalars())
        assert found("50%") == ["taux 50%"]
        assert found("a_b") == ["a_b"]
        assert found("c:\\d") == ["c:\\d"]
        assert found("taux") == ["taux 50%", "taux 500"]
