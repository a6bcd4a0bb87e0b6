"""The activity overview of the coaches' dashboard (``/coach/apercu``): the figures a
CAE puts in its activity report, for a period, computed with aggregate queries.

Conversations come from Rasa's SQL tracker store (the ``events`` table, read as
bot/transcripts.py does); everything else from our tables. Scope: ``cae_id``
None means everything (admins without a CAE); otherwise the figures of that
CAE: its conversations and the unassigned ones (bot/scope.py), the
bookings of its sessions, the handoff requests routed to it or to nobody, and
the people who belong to it (bot.identity.person_cae_ids). ``everything=False``
with ``cae_id=None`` is a coach without a CAE: unassigned conversations only.

No framework here: plain Python and SQLAlchemy Core.
"""
from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from statistics import median
from typing import Any, Optional

from sqlalchemy import JSON, and_, bindparam, cast, distinct, func, or_, select

from bot.scope import Scope
from bot.storage.db import Database
from bot.text import fold
from bot.storage.models import (
    ABSENT, ATTENDED, BOOKING_STATUSES, EXCUSED, HANDOFF_HANDLED, VALIDATED, Booking,
    EligibilityOutcome, Enrolment, HandoffRequest, InfoSession, ObjectiveProgress,
)
from bot.transcripts import EVENTS, FALLBACK_INTENTS, MAX_SQLITE_PARAMS, TrackerReader

DEFAULT_DAYS = 30
TOP_WORDS = 20
DEFAULT_FALLBACK_ACTION = "action_default_fallback"

STATUS_FR = {"eligible": "éligible", "redirect": "réorientation", "to_review": "à examiner",
             "not_eligible": "non éligible"}
BOOKING_FR = {"registered": "inscrit", "waitlisted": "liste d'attente", "cancelled": "annulé",
              "attended": "présent", "absent": "absent", "excused": "excusé"}


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` included (dates, UTC days)."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, today: Optional[date] = None) -> "Period":
        today = today or datetime.now(timezone.utc).date()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc)


@dataclass
class Overview:
    period: Period
    conversations_by_channel: dict[str, int] = field(default_factory=dict)
    messages_by_channel: dict[str, int] = field(default_factory=dict)
    user_messages: int = 0
    not_understood: int = 0
    top_words: list[tuple[str, int]] = field(default_factory=list)
    faq_topics: list[tuple[str, str, int]] = field(default_factory=list)  # id, title, count
    eligibility: list[tuple[str, str, int]] = field(default_factory=list)  # status, sector, count
    bookings_by_status: dict[str, int] = field(default_factory=dict)
    attended: int = 0
    absent: int = 0
    excused: int = 0
    handoffs: int = 0
    handoffs_handled: int = 0
    handling_hours_median: Optional[float] = None
    enrolled_people: int = 0
    enrolled_in_period: int = 0
    objectives_completed: int = 0
    objectives_validated: int = 0
    funnel: list[tuple[str, int]] = field(default_factory=list)

    @property
    def conversations(self) -> int:
        return sum(self.conversations_by_channel.values())

    @property
    def not_understood_share(self) -> Optional[float]:
        return self.not_understood / self.user_messages if self.user_messages else None

    @property
    def no_show_rate(self) -> Optional[float]:
        seen = self.attended + self.absent
        return self.absent / seen if seen else None

    @property
    def bookings(self) -> int:
        return sum(self.bookings_by_status.values())


# --------------------------------------------------------------------------- words


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's French stop words (a dependency already), read from its data file
    without importing spaCy (seconds), plus greetings and fillers; accents folded
    like the words counted."""
    spec = importlib.util.find_spec("spacy")
    path = Path(spec.origin).parent / "lang" / "fr" / "stop_words.py"
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - spaCy's data
    return frozenset(fold(w) for w in namespace["STOP_WORDS"]) | {"bonjour", "merci", "svp", "stp", "euh", "hum", "bah", "ben"}


WORD = re.compile(r"[a-z0-9]+")


def top_words(texts, limit: int = TOP_WORDS) -> list[tuple[str, int]]:
    """The most frequent words after removing French stop words (accents folded;
    words of one or two letters and numbers dropped)."""
    stops = stop_words()
    counts: Counter[str] = Counter()
    for text in texts:
        for word in WORD.findall(fold(text or "")):
            if len(word) > 2 and not word.isdigit() and word not in stops:
                counts[word] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# --------------------------------------------------------------------------- tracker


def _json_field(engine, name: str):
    if engine.dialect.name == "postgresql":
        return cast(EVENTS.c.data, JSON)[name].as_string()
    return func.json_extract(EVENTS.c.data, f"$.{name}")


def _tracker_figures(reader: TrackerReader, period: Period, hidden: Optional[list[str]],
                     result: Overview) -> None:
    if not reader.has_events():
        return
    ts = EVENTS.c.timestamp
    in_period = and_(ts >= period.since.timestamp(), ts < period.until.timestamp())
    conditions = [in_period]
    if hidden:
        literal = reader.engine.dialect.name == "sqlite" and len(hidden) > MAX_SQLITE_PARAMS
        conditions.append(EVENTS.c.sender_id.not_in(
            bindparam("hidden", sorted(hidden), expanding=True, literal_execute=literal)))
    channel = func.coalesce(_json_field(reader.engine, "input_channel"), "")
    users = and_(EVENTS.c.type_name == "user", *conditions)
    with reader.engine.connect() as c:
        # A conversation counts once, under the channel of its messages in the period.
        for name, conversations, messages in c.execute(
                select(channel, func.count(distinct(EVENTS.c.sender_id)), func.count())
                .where(users).group_by(channel)):
            result.conversations_by_channel[name or "inconnu"] = conversations
            result.messages_by_channel[name or "inconnu"] = messages
        result.user_messages = sum(result.messages_by_channel.values())
        fallback_texts = c.execute(select(_json_field(reader.engine, "text"))
                                   .where(users, EVENTS.c.intent_name.in_(FALLBACK_INTENTS))).scalars().all()
        default_fallbacks = c.execute(select(func.count()).where(
            EVENTS.c.type_name == "action", EVENTS.c.action_name == DEFAULT_FALLBACK_ACTION,
            *conditions)).scalar_one()
        result.not_understood = len(fallback_texts) + default_fallbacks
        result.top_words = top_words(fallback_texts)
        value = _json_field(reader.engine, "value")
        topics = c.execute(select(value, func.count())
                           .where(EVENTS.c.type_name == "slot", EVENTS.c.action_name == "faq_topic",
                                  *conditions)
                           .group_by(value)).all()
    from bot.faq import topic_titles

    titles = topic_titles()
    counted = [(str(t), titles.get(str(t), str(t)), n) for t, n in topics if t]
    result.faq_topics = sorted(counted, key=lambda r: (-r[2], r[1]))


# --------------------------------------------------------------------------- our tables


def _sector(rules: str) -> str:
    """The first rule applied names the sector (construction, personal_services...)."""
    return (rules or "").split(",")[0].strip() or "inconnu"


def compute(db: Database, reader: TrackerReader, period: Period, scope: Scope) -> Overview:
    result = Overview(period)
    since, until = period.since, period.until
    with db.reader() as s:
        hidden_q = scope.hidden_conversations()
        hidden = None if hidden_q is None else list(s.execute(hidden_q).scalars())
        people = scope.people()

        # Eligibility verdicts of the conversations in scope.
        outcome = EligibilityOutcome
        where = [outcome.created_at >= since, outcome.created_at < until]
        if hidden_q is not None:
            where.append(or_(outcome.conversation_id.is_(None), outcome.conversation_id.not_in(hidden_q)))
        counts: Counter[tuple[str, str]] = Counter()
        for status, rules, n in s.execute(select(outcome.status, outcome.rules, func.count())
                                          .where(*where).group_by(outcome.status, outcome.rules)):
            counts[(status, _sector(rules))] += n
        result.eligibility = sorted(((st, sec, n) for (st, sec), n in counts.items()),
                                    key=lambda r: (-r[2], r[0], r[1]))
        checked = s.execute(select(func.count(distinct(outcome.conversation_id))).where(*where)).scalar_one()

        # Bookings made in the period, for sessions of the CAE.
        session_in_scope = [] if scope.everything else [InfoSession.cae_id == scope.cae_id]
        booked = (select(Booking.status, func.count()).join(InfoSession, InfoSession.id == Booking.session_id)
                  .where(Booking.created_at >= since, Booking.created_at < until, *session_in_scope)
                  .group_by(Booking.status))
        result.bookings_by_status = {st: n for st, n in s.execute(booked)}
        booked_people = s.execute(
            select(func.count(distinct(Booking.person_id))).join(InfoSession, InfoSession.id == Booking.session_id)
            .where(Booking.created_at >= since, Booking.created_at < until, *session_in_scope)).scalar_one()
        # Attendance at the sessions held in the period.
        held = (select(Booking.status, func.count(), func.count(distinct(Booking.person_id)))
                .join(InfoSession, InfoSession.id == Booking.session_id)
                .where(InfoSession.starts_at >= since, InfoSession.starts_at < until,
                       Booking.status.in_((ATTENDED, ABSENT, EXCUSED)), *session_in_scope)
                .group_by(Booking.status))
        attended_people = 0
        for st, n, persons in s.execute(held):
            setattr(result, st, n)
            if st == ATTENDED:
                attended_people = persons

        # Handoff requests: routed to the CAE, or to nobody (anonymous visitors).
        h = HandoffRequest
        where = [h.created_at >= since, h.created_at < until]
        if not scope.everything:
            where.append(or_(h.cae_id.is_(None), h.cae_id == scope.cae_id) if scope.cae_id is not None
                         else h.cae_id.is_(None))
        rows = s.execute(select(h.status, h.created_at, h.handled_at).where(*where)).all()
        result.handoffs = len(rows)
        delays = [(handled - created).total_seconds() / 3600 for st, created, handled in rows
                  if st == HANDOFF_HANDLED and handled is not None]
        result.handoffs_handled = sum(1 for st, _, _ in rows if st == HANDOFF_HANDLED)
        result.handling_hours_median = median(delays) if delays else None

        # Training modules.
        enrol_scope = [] if people is None else [Enrolment.person_id.in_(people)]
        result.enrolled_people = s.execute(select(func.count(distinct(Enrolment.person_id)))
                                           .where(*enrol_scope)).scalar_one()
        result.enrolled_in_period = s.execute(select(func.count(distinct(Enrolment.person_id))).where(
            Enrolment.enrolled_at >= since, Enrolment.enrolled_at < until, *enrol_scope)).scalar_one()
        p = ObjectiveProgress
        progress_scope = [] if people is None else [p.person_id.in_(people)]
        result.objectives_completed = s.execute(select(func.count()).where(
            p.completed_at >= since, p.completed_at < until, *progress_scope)).scalar_one()
        result.objectives_validated = s.execute(select(func.count()).where(
            p.status == VALIDATED, p.validated_at >= since, p.validated_at < until,
            *progress_scope)).scalar_one()

    _tracker_figures(reader, period, hidden, result)
    result.funnel = [
        ("Visiteurs (conversations)", result.conversations),
        ("Éligibilité vérifiée (conversations)", checked),
        ("Inscrits à une réunion (personnes)", booked_people),
        ("Présents à une réunion (personnes)", attended_people),
        ("Inscrits à un module (personnes)", result.enrolled_in_period),
    ]
    return result


# --------------------------------------------------------------------------- CSV rows


def _percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value * 100:.1f}".replace(".", ",")


def rows(o: Overview) -> list[list[Any]]:
    """The figures as (section, item, value) rows, for the CSV export."""
    out: list[list[Any]] = [["periode", "du", o.period.start.isoformat()],
                            ["periode", "au", o.period.end.isoformat()]]
    out += [["conversations par canal", ch, n] for ch, n in sorted(o.conversations_by_channel.items())]
    out += [["messages par canal", ch, n] for ch, n in sorted(o.messages_by_channel.items())]
    out += [["messages", "messages des visiteurs", o.user_messages],
            ["messages", "non compris", o.not_understood],
            ["messages", "part non comprise (%)", _percent(o.not_understood_share)]]
    out += [["mots des messages non compris", w, n] for w, n in o.top_words]
    out += [["questions frequentes", title, n] for _, title, n in o.faq_topics]
    out += [["eligibilite", f"{STATUS_FR.get(st, st)} / {sec}", n] for st, sec, n in o.eligibility]
    out += [["inscriptions par statut", BOOKING_FR.get(st, st), o.bookings_by_status.get(st, 0)]
            for st in BOOKING_STATUSES]
    out += [["presence", "présents", o.attended], ["presence", "absents", o.absent],
            ["presence", "excusés", o.excused],
            ["presence", "taux d'absence (%)", _percent(o.no_show_rate)],
            ["demandes de contact", "reçues", o.handoffs],
            ["demandes de contact", "traitées", o.handoffs_handled],
            ["demandes de contact", "délai médian de traitement (h)",
             "" if o.handling_hours_median is None else f"{o.handling_hours_median:.1f}".replace(".", ",")],
            ["modules", "personnes inscrites (total)", o.enrolled_people],
            ["modules", "personnes inscrites dans la période", o.enrolled_in_period],
            ["modules", "objectifs terminés", o.objectives_completed],
            ["modules", "objectifs validés", o.objectives_validated]]
    out += [["parcours", label, n] for label, n in o.funnel]
    return out


# --------------------------------------------------------------------------- charts


def bars_svg(items: list[tuple[str, int]], width: int = 520, row: int = 22, label_width: int = 220) -> str:
    """A horizontal bar chart as an SVG element (labels are escaped)."""
    from html import escape

    items = list(items)
    if not items:
        return ""
    top = max((n for _, n in items), default=0) or 1
    bar_room = width - label_width - 60
    height = row * len(items) + 4
    summary = escape(" ; ".join(f"{label} : {n}" for label, n in items))  # what a screen reader says
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{summary}">']
    for i, (label, n) in enumerate(items):
        y = i * row + 2
        length = round(bar_room * n / top)
        shown = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(shown)}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 6}" fill="#3b6ea5">'
                     f'<title>{escape(label)} : {n}</title></rect>'
                     f'<text x="{label_width + length + 4}" y="{y + 15}" font-size="13">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
