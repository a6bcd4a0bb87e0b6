"""How long the activity overview (/coach/apercu) takes on 100 000 conversations
(a benchmark: prints figures, asserts nothing).

    python -m bench.overview [--conversations 100000] [--postgres]

Generates a Rasa SQL tracker store (the ``events`` table as Rasa creates it; rows
written in bulk in Rasa's format: 3 user messages, 3 actions, 3 bot messages per
conversation, a tenth with a fallback, a fifth with a FAQ topic slot, over the
last 60 days, two channels) and our database (two CAEs, 30 % of the conversations
assigned to one of them, a booking per assigned conversation, an eligibility
verdict per fifth conversation, handoff requests), then times
``bot.overview.compute`` for the last 30 days as an admin (everything) and as a
coach of one CAE (the other CAE's conversations left out). SQLite always;
PostgreSQL too with ``--postgres`` (a throw-away cluster, as tests/pg.py).
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert

from bot import overview
from bot.storage.db import Database, upgrade
from bot.storage.models import (
    Booking, Cae, ConversationCae, EligibilityOutcome, HandoffRequest, InfoSession, Person,
)
from bot.transcripts import EVENTS, TrackerReader

TOPICS = ["what_is_cae", "cape_what", "social_protection", "mutualised_services"]
WORDS = "cotisation mutuelle retraite chômage facture client portage salaire statut tva".split()


def rasa_events_table(url: str) -> None:
    """The empty events table, created by Rasa's own tracker store."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.removeprefix("sqlite:///"))
    else:
        u = engine.url
        store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host=u.host, port=u.port,
                                db=u.database, username=u.username, password=u.password)
    store.engine.dispose()
    engine.dispose()


def generate(tracker_url: str, app_url: str, n: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    rasa_events_table(tracker_url)
    upgrade(app_url)
    tracker = create_engine(tracker_url)
    rows, batch = 0, []
    with tracker.begin() as c:
        for i in range(n):
            sender = f"bench-{i:06d}"
            t0 = (now - timedelta(days=rng.uniform(0, 60))).timestamp()
            channel = "socketio" if i % 3 else "rest"
            for k in range(3):
                fallback = k == 1 and i % 10 == 0
                text = " ".join(rng.sample(WORDS, 3)) if fallback else "une question sur la coopérative"
                intent = "nlu_fallback" if fallback else "faq"
                batch.append({"sender_id": sender, "type_name": "user", "timestamp": t0 + 10 * k,
                              "intent_name": intent, "action_name": None,
                              "data": json.dumps({"event": "user", "text": text, "input_channel": channel,
                                                  "parse_data": {"intent": {"name": intent, "confidence": 0.5}}})})
                action = "action_fallback_choices" if fallback else "action_answer_faq"
                batch.append({"sender_id": sender, "type_name": "action", "timestamp": t0 + 10 * k + 1,
                              "intent_name": None, "action_name": action,
                              "data": json.dumps({"event": "action", "name": action})})
                batch.append({"sender_id": sender, "type_name": "bot", "timestamp": t0 + 10 * k + 2,
                              "intent_name": None, "action_name": None,
                              "data": json.dumps({"event": "bot", "text": "Une réponse."})})
            if i % 5 == 0:
                topic = rng.choice(TOPICS)
                batch.append({"sender_id": sender, "type_name": "slot", "timestamp": t0 + 3, "intent_name": None,
                              "action_name": "faq_topic",
                              "data": json.dumps({"event": "slot", "name": "faq_topic", "value": topic})})
            if len(batch) >= 20000:
                c.execute(insert(EVENTS), batch)
                rows += len(batch)
                batch = []
        if batch:
            c.execute(insert(EVENTS), batch)
            rows += len(batch)
    tracker.dispose()

    app = create_engine(app_url)
    with app.begin() as c:
        caes = [c.execute(insert(Cae).values(name=f"CAE {k}", slug=f"cae-{k}", created_at=now)
                          ).inserted_primary_key[0] for k in (1, 2)]
        sessions = {cae: c.execute(insert(InfoSession).values(
            cae_id=cae, video_url="https://visio.bench.test/ri", starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=5, hours=-2),
            capacity=100000, status="planned", created_at=now)).inserted_primary_key[0]
            for cae in caes}
        assigned = [i for i in range(n) if i % 10 < 3]
        people = [{"first_name": "P", "last_name": str(i), "email": f"p{i}@bench.test", "created_at": now}
                  for i in assigned]
        for start in range(0, len(people), 5000):
            c.execute(insert(Person), people[start:start + 5000])
        ids = [r[0] for r in c.exec_driver_sql("SELECT id FROM person ORDER BY id")]
        links, bookings = [], []
        for person_id, i in zip(ids, assigned):
            cae = caes[i % 2]
            links.append({"conversation_id": f"bench-{i:06d}", "cae_id": cae, "source": "booking",
                          "updated_at": now})
            bookings.append({"reference": f"RI-{i:06d}", "person_id": person_id, "session_id": sessions[cae],
                             "status": rng.choice(["attended", "absent", "registered", "excused"]),
                             "created_at": now - timedelta(days=rng.uniform(0, 60)), "updated_at": now})
        outcomes = [{"conversation_id": f"bench-{i:06d}", "status": rng.choice(["eligible", "to_review"]),
                     "rules": rng.choice(["construction", "personal_services", "generalist"]), "matched": "",
                     "created_at": now - timedelta(days=rng.uniform(0, 60))} for i in range(0, n, 5)]
        handoffs = [{"conversation_id": f"bench-{i:06d}", "cae_id": caes[i % 2] if i % 10 < 3 else None,
                     "status": "handled", "reason": "", "created_at": now - timedelta(days=2),
                     "handled_at": now - timedelta(days=1)} for i in range(0, n, 50)]
        for table, data in ((ConversationCae, links), (Booking, bookings), (EligibilityOutcome, outcomes),
                            (HandoffRequest, handoffs)):
            for start in range(0, len(data), 5000):
                c.execute(insert(table), data[start:start + 5000])
    app.dispose()
    return rows


def measure(label: str, tracker_url: str, app_url: str, n: int, runs: int) -> None:
    started = time.perf_counter()
    rows = generate(tracker_url, app_url, n)
    print(f"{label}: generated {n} conversations ({rows} events) in {time.perf_counter() - started:.1f} s")
    db, reader = Database(app_url), TrackerReader(tracker_url)
    with db.reader() as s:
        cae_id = s.query(Cae.id).order_by(Cae.id).first()[0]
    period = overview.Period.last_days()
    for who, scope in (("admin (everything)", overview.Scope()), ("coach of one CAE", overview.Scope(cae_id, False))):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            o = overview.compute(db, reader, period, scope)
            times.append(time.perf_counter() - t)
        print(f"{label}: overview for {who}: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
              f"over {runs} runs ({o.conversations} conversations, {o.user_messages} messages in the last 30 days)")
    db.dispose()
    reader.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{Path(tmp) / 'tracker.db'}", f"sqlite:///{Path(tmp) / 'cae.db'}",
                args.conversations, args.runs)
    if args.postgres:
        from tests.pg import PostgresCluster, find_bin_dir

        with PostgresCluster(find_bin_dir()) as cluster:
            measure("PostgreSQL", cluster.url, cluster.url, args.conversations, args.runs)


if __name__ == "__main__":
    main()
