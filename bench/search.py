"""The coaches' search (bot/search.py) on generated data (a benchmark: prints figures).

    python -m bench.search [--conversations 2000] [--people 1000] [--requests 1000] [--repeat 5]

Builds a Rasa SQL tracker store (SQLite, the conversations of bench/dashboard.py:
~12 events each, half of them assigned to one CAE, the other half to another),
``--people`` people with accented names booked in the sample sessions of the two
CAEs and ``--requests`` handoff requests, then times through the web app: the
search index built at start-up (in a thread), the index brought up to date
after new messages, and ``/coach/recherche`` for a few queries, as a coach of
one CAE and as an admin. Wall-clock medians, in milliseconds.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bench.dashboard import PASSWORD, build_tracker

FIRST = ["Léa", "Inès", "Zoé", "Élodie", "Jérôme", "François", "Chloé", "Noé", "Hélène", "Raphaël", "Anaïs", "Loïc"]
LAST = ["Lefèvre", "Ménard", "Çetin", "Bénard", "Gaël", "Dupré", "Leroy", "Moreau", "Féron", "Hébert"]
QUESTIONS = ["Puis-je prendre un élève en stage ?", "Quand aura lieu la prochaine réunion ?",
             "Comment se passe la facturation ?", "Mon activité de céramiste est-elle éligible ?"]
QUERIES = ["lea", "LEFEVRE", "eleve", "ceramiste", "numero 1234", "chomage", "06 12 05", "zzz-rien"]


def populate(db_url: str, conversations: int, people: int, requests: int) -> None:
    from sqlalchemy import select

    from bot.booking.coach import cae_id_of
    from bot.booking.sample import load_sample
    from bot.booking.service import new_reference
    from bot.caes.store import load_profiles
    from bot.storage.db import Database
    from bot.storage.models import (
        REGISTERED, Booking, ConversationCae, HandoffRequest, InfoSession, Person, utcnow,
    )
    from bot.web.auth import create_coach

    db = Database(db_url)
    load_profiles(db)
    load_sample(db)
    rouen, paris = cae_id_of(db, "coop-normandie"), cae_id_of(db, "coop-paris")
    create_coach(db, "admin@bench.test", PASSWORD, role="admin")
    create_coach(db, "rouen@bench.test", PASSWORD, cae_id=rouen)
    rng = random.Random(7)

    def work(s) -> None:
        sessions = {cae: s.execute(select(InfoSession.id).where(InfoSession.cae_id == cae)).scalars().first()
                    for cae in (rouen, paris)}
        for n in range(conversations):
            s.add(ConversationCae(conversation_id=f"conv-{n:06d}", cae_id=rouen if n % 2 else paris,
                                  source="booking"))
        for n in range(people):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            person = Person(first_name=first, last_name=f"{last}{n}", email=f"p{n}@exemple.fr",
                            phone=f"06 12 {n // 100:02d} {n % 100:02d} 00", consent_at=utcnow())
            s.add(person)
            s.flush()
            s.add(Booking(reference=new_reference(), person_id=person.id,
                          session_id=sessions[rouen if n % 2 else paris], status=REGISTERED))
        for n in range(requests):
            s.add(HandoffRequest(conversation_id=f"conv-{n:06d}", channel="widget", reason=rng.choice(QUESTIONS),
                                 context='{"activity": "céramiste à domicile"}' if n % 3 == 0 else None,
                                 cae_id=rouen if n % 2 else paris))

    db.run(work)
    db.dispose()


async def measure(tracker_url: str, db_url: str, repeat: int) -> None:
    from bot.storage.db import Database
    from bot.web.app import create_app
    from bot.web.dashboard import WARMUP_KEY

    db = Database(db_url)
    app = create_app(rasa_url="http://rasa.invalid", db=db, reminder_interval=0, tracker_url=tracker_url)

    async def timed(client, path) -> tuple[float, str]:
        begin = time.perf_counter()
        reply = await client.get(path)
        body = await reply.text()
        assert reply.status == 200, (path, reply.status)
        return (time.perf_counter() - begin) * 1000, body

    async def log_in(client, email):
        client.session.cookie_jar.clear()
        page = await (await client.get("/coach/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        reply = await client.post("/coach/login", allow_redirects=False, data={
            "email": email, "password": PASSWORD, "csrf_token": token, "next": "/coach/"})
        assert reply.status == 302, reply.status

    started = time.perf_counter()
    async with TestClient(TestServer(app)) as client:
        await app[WARMUP_KEY]["future"]
        print(f"summary cache and search index built at start-up, in a thread: "
              f"{time.perf_counter() - started:.1f} s")
        for email in ("rouen@bench.test", "admin@bench.test"):
            await log_in(client, email)
            print(f"\n{email}:")
            for query in QUERIES:
                times, body = [], ""
                for _ in range(repeat):
                    ms, body = await timed(client, f"/coach/recherche?q={query}")
                    times.append(ms)
                counts = dict(re.findall(r'<h2 id="found-(\w+)">[^(]+\((\d+)\)', body))
                print(f"  q={query!r:16} median {statistics.median(times):5.0f} ms, max {max(times):5.0f} ms  "
                      f"(conversations {counts.get('conversations')}, people {counts.get('people')}, "
                      f"requests {counts.get('requests')})")
    db.dispose()


def incremental(tracker_url: str, db_url: str, new: int) -> None:
    """New messages in ``new`` conversations, then the index brought up to date."""
    import json

    from sqlalchemy import create_engine, func, insert, select

    from bot import search
    from bot.storage.db import Database
    from bot.transcripts import EVENTS, TrackerReader

    engine = create_engine(tracker_url, future=True)
    with engine.begin() as connection:
        top = connection.execute(select(func.max(EVENTS.c.timestamp))).scalar() or 0
        connection.execute(insert(EVENTS), [{
            "sender_id": f"conv-{n:06d}", "type_name": "user", "timestamp": top + n, "intent_name": "inform",
            "action_name": None, "data": json.dumps({"event": "user", "text": f"nouveau message élève {n}"})}
            for n in range(new)])
    engine.dispose()
    db, reader = Database(db_url), TrackerReader(tracker_url)
    begin = time.perf_counter()
    done = search.refresh_index(db, reader)
    print(f"\nindex brought up to date after new messages in {done} conversations: "
          f"{(time.perf_counter() - begin) * 1000:.0f} ms")
    begin = time.perf_counter()
    search.refresh_index(db, reader)
    print(f"index already up to date (what every search pays): {(time.perf_counter() - begin) * 1000:.1f} ms")
    reader.dispose()
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from bot.storage.db import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        begin = time.perf_counter()
        tracker_url = build_tracker(Path(tmp) / "tracker.db", args.conversations)
        db_url = f"sqlite:///{tmp}/cae.db"
        upgrade(db_url)
        populate(db_url, args.conversations, args.people, args.requests)
        print(f"generated {args.conversations} conversations, {args.people} people, {args.requests} requests "
              f"in {time.perf_counter() - begin:.0f} s (SQLite)")
        asyncio.run(measure(tracker_url, db_url, args.repeat))
        incremental(tracker_url, db_url, 100)


if __name__ == "__main__":
    main()
