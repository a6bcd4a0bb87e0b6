"""Dashboard timings on a generated tracker store (a benchmark: prints figures).

    python -m bench.dashboard [--conversations 100000] [--pages 20]

Builds a Rasa SQL tracker store (SQLite, Rasa's own schema and indexes) with
``--conversations`` conversations of ~12 events each (greeting, a FAQ question
with its ranking, a booking form's typed answers, one in ten not understood),
then times through the web app, logged in as an admin: the build of the
conversations' summary cache that the app starts in a thread at start-up, the
conversation page of random conversations, the first list page (once that
build is done: only new events are read) and the next ones, filtered lists, a
search, and at the end a cold build alone (a fresh reader, in the foreground:
what a first list call cost when the cache was built on that call). Times are
wall-clock medians, in milliseconds.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer


PASSWORD = "un mot de passe solide"


def build_tracker(path: Path, count: int) -> str:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from sqlalchemy import create_engine, insert

    from bot.transcripts import EVENTS

    SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path)).engine.dispose()  # Rasa's schema
    engine = create_engine(f"sqlite:///{path}", future=True)
    start = time.time() - count * 60
    rows: list[dict] = []

    def event(sender, kind, at, data, intent=None, action=None):
        rows.append({"sender_id": sender, "type_name": kind, "timestamp": at, "intent_name": intent,
                     "action_name": action, "data": json.dumps({"event": kind, "timestamp": at, **data})})

    def user(sender, at, text, intent, confidence, selector=None):
        parse = {"intent": {"name": intent, "confidence": confidence}, "text": text}
        if selector:
            parse["response_selector"] = selector
        event(sender, "user", at, {"text": text, "parse_data": parse, "input_channel": "widget"}, intent=intent)

    with engine.begin() as connection:
        for n in range(count):
            sender, at = f"conv-{n:06d}", start + n * 60
            user(sender, at, "Bonjour", "greet", 0.99)
            event(sender, "action", at + 1, {"name": "action_greet"}, action="action_greet")
            score = 0.45 if n % 10 == 0 else 0.93
            user(sender, at + 2, f"question numéro {n} sur le chômage", "faq", 0.9, {"default": {"ranking": [
                {"intent_response_key": "faq/what_is_cae", "confidence": score},
                {"intent_response_key": "faq/cape_what", "confidence": 0.03}]}})
            event(sender, "action", at + 3, {"name": "action_answer_faq"}, action="action_answer_faq")
            event(sender, "bot", at + 3, {"text": "Une CAE…"})
            event(sender, "active_loop", at + 4, {"name": "booking_form"})
            for i, (slot, value) in enumerate((("first_name", "Sophie"), ("phone", "06 12 34 56 78"))):
                user(sender, at + 5 + i, value, "nlu_fallback", 0.2)
                event(sender, "slot", at + 5 + i, {"name": slot, "value": value})
            event(sender, "active_loop", at + 8, {"name": None})
            if len(rows) >= 50000:
                connection.execute(insert(EVENTS), rows)
                rows.clear()
        if rows:
            connection.execute(insert(EVENTS), rows)
    engine.dispose()
    return f"sqlite:///{path}"


async def measure(tracker_url: str, db_url: str, count: int, pages: int) -> None:
    from bot.storage.db import Database
    from bot.transcripts import TrackerReader
    from bot.web.app import create_app
    from bot.web.dashboard import WARMUP_KEY

    db = Database(db_url)
    app = create_app(rasa_url="http://rasa.invalid", db=db, reminder_interval=0, tracker_url=tracker_url)
    async def timed(client, path):
        begin = time.perf_counter()
        reply = await client.get(path)
        await reply.read()
        assert reply.status == 200, (path, reply.status)
        return (time.perf_counter() - begin) * 1000

    started = time.perf_counter()
    async with TestClient(TestServer(app)) as client:
        await app[WARMUP_KEY]["future"]
        print(f"summary cache built at start-up, in a thread: {time.perf_counter() - started:.1f} s")
        page = await (await client.get("/coach/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        reply = await client.post("/coach/login", allow_redirects=False, data={
            "email": "admin@bench.test", "password": PASSWORD, "csrf_token": token, "next": "/coach/"})
        assert reply.status == 302, reply.status
        picks = random.Random(1).sample(range(count), pages)
        times = [await timed(client, f"/coach/conversations/conv-{n:06d}") for n in picks]
        print(f"conversation page: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
              f"({pages} pages, {count} conversations)")
        print(f"list, first call (after the start-up build): {await timed(client, '/coach/conversations'):.0f} ms")
        warm = [await timed(client, f"/coach/conversations?page={p}") for p in range(1, 6)]
        print(f"list, next calls: median {statistics.median(warm):.0f} ms")
        filtered = [await timed(client, "/coach/conversations?repli=oui&doute=non") for _ in range(3)]
        print(f"list filtered (not understood): median {statistics.median(filtered):.0f} ms")
        print(f"search: {await timed(client, '/coach/conversations?q=num%C3%A9ro%204242%20'):.0f} ms")
        times = [await timed(client, f"/coach/conversations/conv-{n:06d}") for n in picks]
        print(f"conversation page, again: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    db.dispose()
    reader = TrackerReader(tracker_url)
    begin = time.perf_counter()
    reader.cache.summaries(reader)
    print(f"cold build alone (foreground, fresh reader): {time.perf_counter() - begin:.1f} s")
    reader.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100000)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    from bot.storage.db import Database, upgrade
    from bot.web.auth import create_coach

    with tempfile.TemporaryDirectory() as tmp:
        begin = time.perf_counter()
        tracker_url = build_tracker(Path(tmp) / "tracker.db", args.conversations)
        print(f"generated {args.conversations} conversations in {time.perf_counter() - begin:.0f} s")
        db_url = f"sqlite:///{tmp}/cae.db"
        upgrade(db_url)
        db = Database(db_url)
        create_coach(db, "admin@bench.test", PASSWORD, role="admin")
        db.dispose()
        asyncio.run(measure(tracker_url, db_url, args.conversations, args.pages))


if __name__ == "__main__":
    main()
