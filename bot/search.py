"""The coaches' search across conversations, people and handoff requests, case-
and accent-insensitive on SQLite and PostgreSQL alike ("lea" finds "Léa").

Every text is compared folded (``bot.text.fold``: lower case, no accents)
against a folded copy kept in our database:

- people: ``person.search_text`` (name and e-mail), handoff requests:
  ``handoff_request.search_text`` (question, context, name), both set on every
  ORM write (bot/storage/models.py) and filled by the migration;
- conversations: ``conversation_search`` (sender id, the person's messages,
  the review tags). Rasa writes the transcripts (its tracker store, another
  database), so the texts are rebuilt before each search for the conversations
  with events past the last one indexed (the first search, or the dashboard's
  start-up, indexes them all); the tags are set with each review
  (``transcripts.save_review``); erasure and
  purge delete the row.

Each word of the query must appear (in any order); the coach's scope is a
condition of the SQL query (bot/scope.py). No framework here.
"""
from __future__ import annotations

import threading
from itertools import groupby
from dataclasses import dataclass, field
from typing import Iterable, Optional

from sqlalchemy import and_, func, or_, select

from bot import handoff, people
from bot.scope import Scope
from bot.storage.db import Database, contains
from bot.storage.models import ConversationSearch, HandoffRequest
from bot.text import fold
from bot.transcripts import EVENTS, TrackerReader, event_data

MAX_QUERY = 100
SHOWN = 20  # results shown per group (the counts are of every match)
CHUNK = 500
MAX_TEXTS = 200_000  # characters of one conversation's folded texts kept

_refresh_lock = threading.Lock()


def words(query: Optional[str]) -> list[str]:
    """The folded words of a query (at most MAX_QUERY characters)."""
    return fold(" ".join(str(query or "").split())[:MAX_QUERY]).split()


# --------------------------------------------------------------------------- the conversations' index


def _user_texts(rows: Iterable[dict]) -> list[str]:
    texts = []
    for row in rows:
        if row.get("type_name", "user") == "user":
            text = str(event_data(row).get("text") or "").strip()
            if text and not text.startswith("/"):
                texts.append(text)
    return texts


def _write(db: Database, texts: dict[str, str], top: int) -> None:
    def work(s) -> None:
        existing = {row.conversation_id: row for row in s.execute(
            select(ConversationSearch).where(ConversationSearch.conversation_id.in_(list(texts)))).scalars()}
        for cid, folded in texts.items():
            row = existing.get(cid)
            if row is None:
                s.add(ConversationSearch(conversation_id=cid, texts=folded, tags="", last_event_id=top))
            else:
                row.texts, row.last_event_id = folded, top

    if texts:
        db.run(work)


def _folded(cid: str, rows: list[dict]) -> str:
    return fold("\n".join([cid] + _user_texts(rows)))[:MAX_TEXTS]


def refresh_index(db: Database, reader: TrackerReader) -> int:
    """Index the conversations with events past the last one indexed (all of them
    the first time, in one pass over the person's messages); returns how many
    were (re)indexed. Only the person's messages are read (``type_name = 'user'``)."""
    if not reader.store_exists() or not reader.has_events():
        return 0
    user_rows = select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.type_name == "user")
    with _refresh_lock:
        with db.reader() as s:
            last = s.execute(select(func.max(ConversationSearch.last_event_id))).scalar() or 0
        done = 0
        with reader.engine.connect() as connection:
            top = connection.execute(select(func.max(EVENTS.c.id))).scalar() or 0
            if top <= last:
                return 0
            if not last:  # cold: every conversation, in one pass
                result = connection.execution_options(stream_results=True).execute(
                    user_rows.where(EVENTS.c.id <= top).order_by(EVENTS.c.sender_id, EVENTS.c.id))
                batch: dict[str, str] = {}
                for cid, rows in groupby(({"sender_id": r[0], "data": r[1]} for r in result),
                                         key=lambda r: r["sender_id"]):
                    batch[cid] = _folded(cid, list(rows))
                    if len(batch) >= CHUNK:
                        _write(db, batch, top)
                        done, batch = done + len(batch), {}
                _write(db, batch, top)
                return done + len(batch)
            changed = connection.execute(select(EVENTS.c.sender_id).where(
                EVENTS.c.id > last, EVENTS.c.id <= top).distinct()).scalars().all()
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start:start + CHUNK]
            grouped: dict[str, list[dict]] = {cid: [] for cid in chunk}
            with reader.engine.connect() as connection:
                for cid, data in connection.execute(user_rows.where(EVENTS.c.sender_id.in_(chunk))):
                    grouped[cid].append({"data": data})
            _write(db, {cid: _folded(cid, rows) for cid, rows in grouped.items()}, top)
        return len(changed)


def forget(s, conversation_ids: Iterable[str]) -> None:
    """In the caller's transaction: erasure or purge of these conversations."""
    from sqlalchemy import delete

    ids = list(conversation_ids)
    if ids:
        s.execute(delete(ConversationSearch).where(ConversationSearch.conversation_id.in_(ids)))


# --------------------------------------------------------------------------- searching


@dataclass(frozen=True)
class ConversationHit:
    conversation_id: str
    snippet: str  # the person's first message with the words (or the tag, or the sender id)


@dataclass
class Results:
    query: str
    conversations: list[ConversationHit] = field(default_factory=list)
    conversation_count: int = 0
    people: list[people.PersonRecord] = field(default_factory=list)
    people_count: int = 0
    requests: list[handoff.RequestRecord] = field(default_factory=list)
    request_count: int = 0

    @property
    def total(self) -> int:
        return self.conversation_count + self.people_count + self.request_count


def _conversation_condition(scope: Scope, folded: list[str]):
    conditions = [or_(contains(ConversationSearch.texts, w),
                      contains(ConversationSearch.tags, w)) for w in folded]
    hidden = scope.hidden_conversations()
    if hidden is not None:
        conditions.append(ConversationSearch.conversation_id.not_in(hidden))
    return and_(*conditions)


def conversation_ids(db: Database, reader: TrackerReader, scope: Scope, query: str) -> set[str]:
    """Every conversation in scope matching ``query`` (the list's search box)."""
    folded = words(query)
    if not folded:
        return set()
    refresh_index(db, reader)
    with db.reader() as s:
        return set(s.execute(select(ConversationSearch.conversation_id).where(
            _conversation_condition(scope, folded))).scalars())


def _snippet(texts: list[str], tags: str, folded: list[str], cid: str) -> str:
    for text in texts:
        if all(w in fold(text) for w in folded):
            return text
    for text in texts:
        if any(w in fold(text) for w in folded):
            return text
    return f"Étiquettes : {tags}" if tags else cid


def search_conversations(db: Database, reader: TrackerReader, scope: Scope, query: str,
                         limit: int = SHOWN) -> tuple[list[ConversationHit], int]:
    """The conversations in scope matching ``query`` (most recent activity first), and their count."""
    folded = words(query)
    if not folded:
        return [], 0
    refresh_index(db, reader)
    condition = _conversation_condition(scope, folded)
    with db.reader() as s:
        count = s.execute(select(func.count()).select_from(ConversationSearch).where(condition)).scalar_one()
        rows = s.execute(select(ConversationSearch.conversation_id, ConversationSearch.tags).where(condition)
                         .order_by(ConversationSearch.last_event_id.desc(), ConversationSearch.conversation_id)
                         .limit(limit)).all()
    grouped: dict[str, list[dict]] = {}
    for row in reader.events([cid for cid, _ in rows]) if rows else []:
        grouped.setdefault(row["sender_id"], []).append(row)
    hits = [ConversationHit(cid, _snippet(_user_texts(grouped.get(cid, [])), tags, folded, cid))
            for cid, tags in rows]
    return hits, count


def search_requests(db: Database, scope: Scope, query: str,
                    limit: int = SHOWN) -> tuple[list[handoff.RequestRecord], int]:
    """The handoff requests in scope (open or handled) whose question, context or
    name match ``query``, newest first, and their count."""
    folded = words(query)
    if not folded:
        return [], 0
    condition = and_(scope.routed_condition(HandoffRequest.cae_id),
                     *[contains(HandoffRequest.search_text, w) for w in folded])
    with db.reader() as s:
        count = s.execute(select(func.count()).select_from(HandoffRequest).where(condition)).scalar_one()
        rows = s.execute(select(HandoffRequest).where(condition)
                         .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc())
                         .limit(limit)).scalars().all()
        return [handoff.record(r) for r in rows], count


def search(db: Database, reader: TrackerReader, scope: Scope, query: str) -> Results:
    """The three groups for the search page."""
    query = " ".join(str(query or "").split())[:MAX_QUERY]
    results = Results(query)
    if not words(query):
        return results
    results.conversations, results.conversation_count = search_conversations(db, reader, scope, query)
    results.people, results.people_count = people.search_people_counted(db, scope, query, SHOWN)
    results.requests, results.request_count = search_requests(db, scope, query)
    return results
