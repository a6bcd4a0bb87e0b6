"""Conversations as Rasa's SQL tracker store keeps them, for the coaches.

Reads the ``events`` table (id, sender_id, type_name, timestamp, intent_name,
action_name, data) with SQLAlchemy Core, read-only. The tracker database is
``CAE_TRACKER_DB_URL``, by default ``var/tracker.db`` (the same setting
Rasa's generated endpoints file is written from: bot/endpoints.py). Joined with our own tables: reviews (tags, note,
reviewed flag), handoff requests and eligibility outcomes.

The coaches' scope is applied in the tracker query itself: ``hidden`` (the
conversations of other CAEs, ``bot.conversation_cae.hidden_from``) becomes a
``sender_id NOT IN (...)`` condition, so nothing of theirs is ever loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Collection, Iterable, Optional

from sqlalchemy import (
    Column, Float, Integer, MetaData, String, Table, Text, bindparam, create_engine, inspect, select,
)

from bot import settings
from bot.storage.db import Database
from bot.storage.models import ConversationReview, EligibilityOutcome, HandoffRequest, utcnow

FALLBACK_ACTIONS = {"action_fallback_choices", "action_default_fallback"}
FALLBACK_INTENTS = {"nlu_fallback"}
MAX_SQLITE_PARAMS = 30000

_metadata = MetaData()
EVENTS = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), index=True),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def tracker_db_url() -> str:
    return settings.tracker_db_url()


class TrackerReader:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or tracker_db_url()
        self.engine = create_engine(self.url, future=True)

    def has_events(self) -> bool:
        return inspect(self.engine).has_table("events")

    def events(self, sender_ids: Optional[Iterable[str]] = None,
               hidden: Collection[str] = ()) -> list[dict[str, Any]]:
        """The events of ``sender_ids`` (None: every conversation) except those of
        the ``hidden`` conversations, in order."""
        if not self.has_events():
            return []
        query = select(EVENTS).order_by(EVENTS.c.id)
        if sender_ids is not None:
            query = query.where(EVENTS.c.sender_id.in_(list(sender_ids)))
        if hidden:
            # SQLite takes at most 32766 bound parameters: beyond, the ids are rendered
            # as quoted literals by SQLAlchemy (still one query).
            literal = self.engine.dialect.name == "sqlite" and len(hidden) > MAX_SQLITE_PARAMS
            query = query.where(EVENTS.c.sender_id.not_in(
                bindparam("hidden", sorted(hidden), expanding=True, literal_execute=literal)))
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def exists(self, sender_id: str) -> bool:
        if not self.has_events():
            return False
        with self.engine.connect() as connection:
            return connection.execute(select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id)
                                      .limit(1)).first() is not None

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class Turn:
    """One line of a transcript."""

    kind: str  # "user", "bot", "action", "slot"
    at: datetime
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    name: Optional[str] = None  # action or slot name
    value: Any = None  # slot value


@dataclass
class ConversationSummary:
    conversation_id: str
    started_at: datetime
    last_at: datetime
    channel: str
    user_messages: int
    lowest_confidence: Optional[float]
    fallback: bool
    handoff: bool
    outcome: Optional[str]
    reviewed: bool
    tags: list[str]
    note: str
    texts: list[str] = field(default_factory=list, repr=False)


def _at(timestamp: Optional[float]) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)


def _data(row: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(row.get("data") or "{}")
    except ValueError:
        return {}


def turns(events: Iterable[dict[str, Any]]) -> list[Turn]:
    result = []
    for row in events:
        data = _data(row)
        kind = row["type_name"]
        at = _at(row["timestamp"])
        if kind == "user":
            intent = (data.get("parse_data") or {}).get("intent") or {}
            result.append(Turn("user", at, data.get("text") or "", intent.get("name"),
                               intent.get("confidence")))
        elif kind == "bot":
            buttons = ((data.get("data") or {}).get("buttons") or [])
            result.append(Turn("bot", at, data.get("text") or "", buttons=buttons))
        elif kind == "action" and row["action_name"] not in ("action_listen", "action_session_start"):
            result.append(Turn("action", at, name=row["action_name"]))
        elif kind == "slot" and data.get("name") not in ("requested_slot",):
            result.append(Turn("slot", at, name=data.get("name"), value=data.get("value")))
    return result


def _reviews(db: Database, ids: list[str]) -> dict[str, ConversationReview]:
    with db.reader() as s:
        rows = s.execute(select(ConversationReview).where(
            ConversationReview.conversation_id.in_(ids))).scalars().all()
        return {r.conversation_id: r for r in rows}


def summaries(db: Database, reader: TrackerReader, hidden: Collection[str] = (),
              only: Optional[Iterable[str]] = None) -> list[ConversationSummary]:
    """Every conversation (or ``only`` these) but the ``hidden`` ones, newest first,
    with what the filters need."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in reader.events(only, hidden=hidden):
        grouped.setdefault(row["sender_id"], []).append(row)
    ids = list(grouped)
    reviews = _reviews(db, ids)
    with db.reader() as s:
        handoffs = set(s.execute(select(HandoffRequest.conversation_id)).scalars().all())
        outcomes = dict(s.execute(select(EligibilityOutcome.conversation_id, EligibilityOutcome.status)
                                  .order_by(EligibilityOutcome.created_at)).all())
    result = []
    for conversation_id, rows in grouped.items():
        users = [(_data(r), r) for r in rows if r["type_name"] == "user"]
        if not users:
            continue
        confidences = [((d.get("parse_data") or {}).get("intent") or {}).get("confidence")
                       for d, _ in users]
        confidences = [c for c in confidences if c is not None]
        intents = {r["intent_name"] for _, r in users}
        actions = {r["action_name"] for r in rows if r["type_name"] == "action"}
        review = reviews.get(conversation_id)
        result.append(ConversationSummary(
            conversation_id=conversation_id,
            started_at=_at(rows[0]["timestamp"]),
            last_at=_at(rows[-1]["timestamp"]),
            channel=next((d.get("input_channel") for d, _ in users if d.get("input_channel")), "") or "",
            user_messages=len(users),
            lowest_confidence=min(confidences) if confidences else None,
            fallback=bool(intents & FALLBACK_INTENTS or actions & FALLBACK_ACTIONS),
            handoff=conversation_id in handoffs or "human_handoff" in intents,
            outcome=outcomes.get(conversation_id),
            reviewed=bool(review and review.reviewed),
            tags=[t for t in (review.tags.split(",") if review else []) if t],
            note=review.note if review else "",
            texts=[d.get("text") or "" for d, _ in users],
        ))
    result.sort(key=lambda c: c.last_at, reverse=True)
    return result


@dataclass(frozen=True)
class Filters:
    since: Optional[date] = None
    until: Optional[date] = None
    channel: Optional[str] = None
    fallback: Optional[bool] = None
    below: Optional[float] = None  # lowest intent confidence under this
    handoff: Optional[bool] = None
    outcome: Optional[str] = None
    reviewed: Optional[bool] = None
    tag: Optional[str] = None
    search: Optional[str] = None


def matches(summary: ConversationSummary, f: Filters) -> bool:
    if f.since and summary.last_at.date() < f.since:
        return False
    if f.until and summary.started_at.date() > f.until:
        return False
    if f.channel and summary.channel != f.channel:
        return False
    if f.fallback is not None and summary.fallback != f.fallback:
        return False
    if f.below is not None and (summary.lowest_confidence is None or summary.lowest_confidence >= f.below):
        return False
    if f.handoff is not None and summary.handoff != f.handoff:
        return False
    if f.outcome and summary.outcome != f.outcome:
        return False
    if f.reviewed is not None and summary.reviewed != f.reviewed:
        return False
    if f.tag and f.tag.lower() not in summary.tags:
        return False
    if f.search:
        needle = f.search.lower()
        if not any(needle in text.lower() for text in summary.texts):
            return False
    return True


def clean_tags(raw: str) -> list[str]:
    tags = []
    for tag in (raw or "").replace(";", ",").split(","):
        tag = " ".join(tag.strip().lower().split())[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:10]


def save_review(db: Database, conversation_id: str, coach_id: int, tags: str, note: str,
                reviewed: bool) -> None:
    def work(s) -> None:
        review = s.get(ConversationReview, conversation_id)
        if review is None:
            review = ConversationReview(conversation_id=conversation_id)
            s.add(review)
        review.tags = ",".join(clean_tags(tags))
        review.note = (note or "")[:4000]
        review.reviewed = bool(reviewed)
        review.reviewed_by = coach_id
        review.updated_at = utcnow()

    db.run(work)


def yesterday() -> date:
    return (utcnow() - timedelta(days=1)).date()
