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
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator, Mapping, Optional

from sqlalchemy import (
    Column, Float, Integer, MetaData, String, Table, Text, bindparam, create_engine, func, inspect,
    select,
)

from bot import settings
from bot.answering import DOUBT_CONFIDENCE, DOUBT_MARGIN, topic_ranking
from bot.storage.db import Database
from bot.storage.models import (
    ConversationReview, ConversationSearch, EligibilityOutcome, HandoffRequest, utcnow,
)
from bot.text import fold

FALLBACK_ACTIONS = {"action_fallback_choices", "action_default_fallback"}
FAQ_ACTIONS = {"action_answer_faq", "action_answer_topic"}
DID_YOU_MEAN = "utter_did_you_mean"
DID_YOU_MEAN_TEXT = "Je ne suis pas sûr d'avoir bien compris"
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
        self.cache = SummaryCache()

    def has_events(self) -> bool:
        return inspect(self.engine).has_table("events")

    def store_exists(self) -> bool:
        """False for a SQLite file not created yet (connecting would create it)."""
        url = self.engine.url
        return not (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
                    and not Path(url.database).exists())

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
            result = connection.execute(query)
            keys = list(result.keys())
            return [dict(zip(keys, row)) for row in result]

    def events_by_conversation(self, up_to: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(conversation id, its events with ``id <= up_to``), one conversation at a
        time, in one pass over the table (sender_id's index, whose order is the
        events' too): what a cold summary cache is built from."""
        query = select(EVENTS).where(EVENTS.c.id <= up_to).order_by(EVENTS.c.sender_id, EVENTS.c.id)
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True).execute(query)
            keys = list(result.keys())
            for sender, rows in groupby((dict(zip(keys, row)) for row in result), key=itemgetter("sender_id")):
                yield sender, list(rows)

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
    # user turns: what the assistant made of the message
    topic: Optional[str] = None
    topic_score: Optional[float] = None
    runner_up: Optional[str] = None
    runner_up_score: Optional[float] = None
    click: Optional[str] = None  # the title of the button clicked
    channel: Optional[str] = None  # user turns: the input channel
    in_form: bool = False
    actions: list[str] = field(default_factory=list)
    changed: list[tuple[str, Any]] = field(default_factory=list)
    not_understood: bool = False
    doubtful: bool = False
    author: Optional[str] = None  # bot turns written by a coach during a takeover (bot/takeover.py)

    @property
    def prediction(self) -> Optional[str]:
        """What an example of this message would be saved under by default."""
        if self.topic and self.intent in ("faq", "ask_topic"):
            return f"faq/{self.topic}"
        return self.intent


@dataclass
class ConversationSummary:
    conversation_id: str
    started_at: datetime
    last_at: datetime
    channel: str
    user_messages: int
    lowest_confidence: Optional[float]
    fallback: bool  # at least one message not understood
    handoff: bool
    outcome: Optional[str]
    reviewed: bool
    tags: list[str]
    note: str
    texts: list[str] = field(default_factory=list, repr=False)
    not_understood: int = 0
    doubtful: int = 0
    first_text: str = ""  # the first meaningful message
    last_text: str = ""


def _at(timestamp: Optional[float]) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)


def event_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a tracker store event row (``{}`` when unreadable)."""
    try:
        data = json.loads(row.get("data") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


HIDDEN_ACTIONS = {"action_listen", "action_session_start"}
# The event types whose JSON ``turns`` reads (an action's name is a column of its own).
PARSED_KINDS = {"active_loop", "user", "bot", "slot"}
BOOKKEEPING_SLOTS = {"requested_slot"}
SMALL_TALK = {"greet", "goodbye", "thank", "affirm", "deny"}


def _is_did_you_mean(data: dict[str, Any]) -> bool:
    metadata = data.get("metadata") or {}
    return (metadata.get("utter_action") == DID_YOU_MEAN
            or (data.get("text") or "").startswith(DID_YOU_MEAN_TEXT))


def _clicked(text: str, buttons: list[dict[str, str]]) -> Optional[str]:
    if not text.startswith("/"):
        return None
    for button in buttons:
        if (button.get("payload") or "").strip() == text.strip():
            return button.get("title") or text
    return None


def turns(events: Iterable[dict[str, Any]]) -> list[Turn]:
    """The transcript, each user turn annotated with what the assistant made of it
    (intent or FAQ topic, runner-up, answering actions, slots that changed) and
    the triage signals: not understood (fallback or "did you mean" choices, never
    for an answer a form asked for) and doubtful (a topic answered by a small
    score or margin)."""
    result: list[Turn] = []
    slots: dict[str, Any] = {}
    loop: Optional[str] = None
    buttons: list[dict[str, str]] = []
    current: Optional[Turn] = None
    for row in events:
        kind = row["type_name"]
        data = event_data(row) if kind in PARSED_KINDS else {}
        at = _at(row["timestamp"])
        if kind == "active_loop":
            loop = data.get("name")
        elif kind == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            text = data.get("text") or ""
            current = Turn("user", at, text, intent.get("name"), intent.get("confidence"),
                           channel=data.get("input_channel"))
            current.in_form = bool(loop or slots.get("requested_slot"))
            current.click = _clicked(text, buttons)
            ranking = topic_ranking(parse)
            if ranking and current.intent in ("faq", "ask_topic"):
                current.topic, current.topic_score = ranking[0]
                if len(ranking) > 1:
                    current.runner_up, current.runner_up_score = ranking[1]
            if current.intent in FALLBACK_INTENTS and not current.in_form:
                current.not_understood = True
            if (not current.click and not current.in_form and current.confidence is not None
                    and current.confidence < DOUBT_CONFIDENCE and current.intent not in FALLBACK_INTENTS):
                current.doubtful = True
            result.append(current)
        elif kind == "bot":
            buttons = ((data.get("data") or {}).get("buttons") or [])
            if current is not None and _is_did_you_mean(data):
                current.not_understood = True
            author = (data.get("metadata") or {}).get("takeover_author")
            result.append(Turn("bot", at, data.get("text") or "", buttons=buttons,
                               author=author if author and author != "assistant" else None))
        elif kind == "action" and row["action_name"] not in HIDDEN_ACTIONS:
            name = row["action_name"]
            if current is not None:
                current.actions.append(name)
                if name in FALLBACK_ACTIONS:
                    current.not_understood = True
                if name in FAQ_ACTIONS and current.topic_score is not None and not current.click:
                    margin = current.topic_score - (current.runner_up_score or 0.0)
                    if current.topic_score < DOUBT_CONFIDENCE or margin < DOUBT_MARGIN:
                        current.doubtful = True
            result.append(Turn("action", at, name=name))
        elif kind == "slot":
            name = data.get("name")
            value = data.get("value")
            if name == "cae" and value and slots.get(name) != value:
                # The CAE the conversation belongs to (bot/caes), set at the session's start.
                result.append(Turn("slot", at, name=name, value=value))
            elif name not in BOOKKEEPING_SLOTS and slots.get(name) != value and current is not None:
                current.changed = [(n, v) for n, v in current.changed if n != name] + [(name, value)]
            slots[name] = value
        elif kind in ("restart", "session_started"):
            slots, loop = {}, None
    for turn in result:
        if turn.not_understood:
            turn.doubtful = False
    return result


def _reviews(db: Database, ids: Optional[list[str]]) -> dict[str, tuple[bool, str, str]]:
    """conversation id -> (reviewed, tags, note), of these conversations (None: all)."""
    query = select(ConversationReview.conversation_id, ConversationReview.reviewed,
                   ConversationReview.tags, ConversationReview.note)
    if ids is not None:
        query = query.where(ConversationReview.conversation_id.in_(ids))
    with db.reader() as s:
        return {cid: (bool(reviewed), tags or "", note or "") for cid, reviewed, tags, note in s.execute(query)}


def _meaningful(user_turns: list[Turn]) -> str:
    for turn in user_turns:
        if not turn.click and not turn.in_form and turn.intent not in SMALL_TALK and turn.text.strip():
            return turn.text
    return user_turns[0].text if user_turns else ""


def _summary(conversation_id: str, rows: list[dict[str, Any]]) -> Optional[ConversationSummary]:
    """What one conversation's events say (no review, handoff request or outcome yet)."""
    user_turns = [t for t in turns(rows) if t.kind == "user"]
    if not user_turns:
        return None
    channel = next((t.channel for t in user_turns if t.channel), "")
    confidences = [t.confidence for t in user_turns
                   if t.confidence is not None and not t.in_form and not t.click]
    not_understood = sum(t.not_understood for t in user_turns)
    return ConversationSummary(
        conversation_id=conversation_id,
        started_at=_at(rows[0]["timestamp"]),
        last_at=_at(rows[-1]["timestamp"]),
        channel=channel or "",
        user_messages=len(user_turns),
        lowest_confidence=min(confidences) if confidences else None,
        fallback=not_understood > 0,
        handoff=any(t.intent == "human_handoff" for t in user_turns),
        outcome=None, reviewed=False, tags=[], note="",
        texts=[t.text for t in user_turns],
        not_understood=not_understood,
        doubtful=sum(t.doubtful for t in user_turns),
        first_text=_meaningful(user_turns),
        last_text=user_turns[-1].text,
    )


def _grouped(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["sender_id"], []).append(row)
    return grouped


def _with_our_tables(db: Database, found: list[ConversationSummary], all_ids: bool) -> None:
    """Reviews, handoff requests and eligibility outcomes, in place: the summaries
    concerned are replaced by copies (the others, shared with the cache, already
    hold the defaults: not reviewed, no tag, no outcome)."""
    ids = [c.conversation_id for c in found]
    reviews = _reviews(db, None if all_ids else ids)
    with db.reader() as s:
        handoff_query = select(HandoffRequest.conversation_id)
        outcome_query = (select(EligibilityOutcome.conversation_id, EligibilityOutcome.status)
                         .order_by(EligibilityOutcome.created_at))
        if not all_ids:
            handoff_query = handoff_query.where(HandoffRequest.conversation_id.in_(ids))
            outcome_query = outcome_query.where(EligibilityOutcome.conversation_id.in_(ids))
        handoffs = set(s.execute(handoff_query).scalars().all())
        outcomes = dict(s.execute(outcome_query).all())
    concerned = reviews.keys() | handoffs | outcomes.keys()
    for index, summary in enumerate(found):
        if summary.conversation_id not in concerned:
            continue
        summary = found[index] = _clone(summary)
        reviewed, tags, note = reviews.get(summary.conversation_id, (False, "", ""))
        summary.handoff = summary.handoff or summary.conversation_id in handoffs
        summary.outcome = outcomes.get(summary.conversation_id)
        summary.reviewed, summary.note = reviewed, note
        summary.tags = [t for t in tags.split(",") if t]


def _clone(summary: ConversationSummary) -> ConversationSummary:
    """A shallow copy."""
    clone = object.__new__(ConversationSummary)
    clone.__dict__.update(summary.__dict__)
    return clone


def summaries(db: Database, reader: TrackerReader, hidden: Collection[str] = (),
              only: Optional[Iterable[str]] = None,
              events: Optional[list[dict[str, Any]]] = None) -> list[ConversationSummary]:
    """Every conversation (or ``only`` these, whose ``events`` may be given) but the
    ``hidden`` ones, newest first, with what the filters need.

    Every conversation: from ``reader.cache``, kept up to date from the events
    added since the last call (their texts are left out: ``with_texts`` reads
    them for the conversations shown)."""
    if only is None:
        # Shared with the cache: never changed in place (``_with_our_tables`` copies).
        found = [c for cid, c in reader.cache.summaries(reader).items() if cid not in hidden]
    else:
        rows = events if events is not None else reader.events(only, hidden=hidden)
        found = [c for cid, group in _grouped(rows).items() if (c := _summary(cid, group))]
    _with_our_tables(db, found, all_ids=only is None)
    found.sort(key=lambda c: c.last_at, reverse=True)
    return found


def with_texts(reader: TrackerReader, shown: list[ConversationSummary]) -> list[ConversationSummary]:
    """The conversations shown, with their texts and previews read now (one query);
    a conversation erased meanwhile is left out."""
    fresh = {cid: _summary(cid, group)
             for cid, group in _grouped(reader.events([c.conversation_id for c in shown])).items()}
    result = []
    for summary in shown:
        now = fresh.get(summary.conversation_id)
        if now is None:  # erased meanwhile (events rewritten in place)
            reader.cache.forget(summary.conversation_id)
            continue
        result.append(replace(summary, texts=now.texts, first_text=now.first_text, last_text=now.last_text,
                              user_messages=now.user_messages))
    return result


class SummaryCache:
    """The summary of every conversation, without its texts, computed once and then
    only for the conversations with events added since (``id`` above the last
    one seen). Erasure rewrites events in place: the texts are never cached, and
    ``with_texts`` rereads the rows shown."""

    CHUNK = 500

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_id = 0
        self._summaries: dict[str, ConversationSummary] = {}
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Abandon a cold build under way (the process is stopping)."""
        self._stopping.set()

    def summaries(self, reader: "TrackerReader") -> dict[str, ConversationSummary]:
        with self._lock:
            if not reader.has_events():
                return {}
            with reader.engine.connect() as connection:
                top = connection.execute(select(func.max(EVENTS.c.id))).scalar() or 0
                changed = [] if not self._last_id else connection.execute(
                    select(EVENTS.c.sender_id).where(EVENTS.c.id > self._last_id, EVENTS.c.id <= top)
                    .distinct()).scalars().all()
            if not self._last_id:  # cold: every conversation, in one pass over the table
                for cid, rows in reader.events_by_conversation(top):
                    if self._stopping.is_set():
                        self._summaries.clear()
                        return {}
                    self._keep(cid, _summary(cid, rows))
                # Copied once, side by side in memory (they were made between the rows
                # read): every later list call walks them ~20 % faster.
                self._summaries = {cid: _clone(summary) for cid, summary in self._summaries.items()}
            for start in range(0, len(changed), self.CHUNK):
                chunk = changed[start:start + self.CHUNK]
                grouped = _grouped(reader.events(chunk))
                for cid in chunk:
                    self._keep(cid, _summary(cid, grouped.get(cid, [])))
            self._last_id = top
            return dict(self._summaries)

    def _keep(self, cid: str, summary: Optional[ConversationSummary]) -> None:
        if summary is None:
            self._summaries.pop(cid, None)
        else:
            summary.texts, summary.first_text, summary.last_text = [], "", ""
            self._summaries[cid] = summary

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._summaries.pop(conversation_id, None)


@dataclass(frozen=True)
class Filters:
    since: Optional[date] = None
    until: Optional[date] = None
    channel: Optional[str] = None
    fallback: Optional[bool] = None  # at least one message not understood
    doubtful: Optional[bool] = None  # at least one doubtful answer
    below: Optional[float] = None  # lowest intent confidence under this
    handoff: Optional[bool] = None
    outcome: Optional[str] = None
    reviewed: Optional[bool] = None
    tag: Optional[str] = None
    search: Optional[str] = None


def _paris_day(moment: datetime) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).date()


def matches(summary: ConversationSummary, f: Filters) -> bool:
    if f.since and _paris_day(summary.last_at) < f.since:
        return False
    if f.until and _paris_day(summary.started_at) > f.until:
        return False
    if f.channel and summary.channel != f.channel:
        return False
    if f.fallback is not None and summary.fallback != f.fallback:
        return False
    if f.doubtful is not None and (summary.doubtful > 0) != f.doubtful:
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
    if f.search and summary.texts:
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
        # The search reads the tags folded (bot/search.py).
        index = s.get(ConversationSearch, conversation_id) or ConversationSearch(
            conversation_id=conversation_id, texts="", last_event_id=0)
        index.tags = fold(review.tags)[:500]
        s.add(index)
        review.note = (note or "")[:4000]
        review.reviewed = bool(reviewed)
        review.reviewed_by = coach_id
        review.updated_at = utcnow()

    db.run(work)


def yesterday() -> date:
    return today() - timedelta(days=1)


def today() -> date:
    """Today in Paris (the coaches' day)."""
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo("Europe/Paris")).date()
