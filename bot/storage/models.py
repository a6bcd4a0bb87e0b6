"""Tables shared by the whole app.

Every timestamp is stored in UTC (``UTCDateTime`` gives back aware datetimes on
SQLite and PostgreSQL alike). ``Person`` is generic: the training-progress
feature uses it too.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    event,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, deferred, relationship
from sqlalchemy.types import TypeDecorator

from bot.text import fold

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class UTCDateTime(TypeDecorator):
    """``timestamptz`` on PostgreSQL, naive-UTC text on SQLite; always aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return as_utc(value)


# Session statuses.
SESSION_PLANNED = "planned"
SESSION_CANCELLED = "cancelled"
SESSION_CLOSED = "closed"
SESSION_STATUSES = (SESSION_PLANNED, SESSION_CANCELLED, SESSION_CLOSED)

# Booking statuses, as enDI records attendance (plus our waiting list).
REGISTERED = "registered"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
ATTENDED = "attended"
ABSENT = "absent"
EXCUSED = "excused"
BOOKING_STATUSES = (REGISTERED, WAITLISTED, CANCELLED, ATTENDED, ABSENT, EXCUSED)
# A person holds at most one of these per session (enforced by a partial unique index).
ACTIVE_STATUSES = (REGISTERED, WAITLISTED, ATTENDED, ABSENT, EXCUSED)
# Statuses that take a seat.
SEATED_STATUSES = (REGISTERED, ATTENDED, ABSENT, EXCUSED)

_active_in = "status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_STATUSES))


def _in_list(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


class Cae(Base):
    __tablename__ = "cae"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    slug = Column(String(80), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # The reviewed profile (caes/<slug>.yml, JSON), copied at start by bot.caes.store,
    # or edited by an admin on the dashboard; the hash of the file last copied, so that
    # a start keeps a dashboard edit unless the file changed since (deferred: read
    # only by bot.caes.store, and absent from databases older than 0011).
    profile = deferred(Column(Text))
    profile_file_hash = deferred(Column(String(64)))

    places = relationship("Place", back_populates="cae")
    sessions = relationship("InfoSession", back_populates="cae")

    def __repr__(self) -> str:
        return f"<Cae {self.slug}>"


class CaeProfileChange(Base):
    """Audit of a CAE profile: who changed what, when (dashboard edit or a changed file)."""

    __tablename__ = "cae_profile_change"

    id = Column(Integer, primary_key=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="CASCADE"), nullable=False, index=True)
    changed_at = Column(UTCDateTime, nullable=False, default=utcnow)
    source = Column(String(20), nullable=False)  # "dashboard" | "file"
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    coach_email = Column(String(254))  # kept when the account goes
    fields = Column(String(500), nullable=False, default="")  # top-level fields changed, comma-separated
    before = Column(Text)
    after = Column(Text, nullable=False)


class Place(Base):
    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint("is_video OR (address IS NOT NULL AND city IS NOT NULL)", name="where"),
    )

    id = Column(Integer, primary_key=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    address = Column(String(300))
    postal_code = Column(String(10))
    city = Column(String(120))
    departement = Column(String(3), index=True)  # "76", "2A", "974"
    is_video = Column(Boolean, nullable=False, default=False, server_default=text("false"))

    cae = relationship("Cae", back_populates="places")
    sessions = relationship("InfoSession", back_populates="place")

    def __repr__(self) -> str:
        return f"<Place {self.name}>"


class InfoSession(Base):
    """A collective information session ("réunion d'information collective")."""

    __tablename__ = "info_session"
    __table_args__ = (
        CheckConstraint("place_id IS NOT NULL OR video_url IS NOT NULL", name="where"),
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("ends_at > starts_at", name="dates"),
        CheckConstraint(_in_list("status", SESSION_STATUSES), name="status"),
        Index("ix_info_session_status_starts_at", "status", "starts_at"),
    )

    id = Column(Integer, primary_key=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="CASCADE"), nullable=False, index=True)
    place_id = Column(Integer, ForeignKey("place.id", ondelete="RESTRICT"), index=True)
    video_url = Column(String(500))
    starts_at = Column(UTCDateTime, nullable=False)
    ends_at = Column(UTCDateTime, nullable=False)
    capacity = Column(Integer, nullable=False)
    status = Column(String(20), nullable=False, default=SESSION_PLANNED,
                    server_default=SESSION_PLANNED)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    cae = relationship("Cae", back_populates="sessions")
    place = relationship("Place", back_populates="sessions")
    bookings = relationship("Booking", back_populates="session")

    @property
    def is_video(self) -> bool:
        return bool(self.video_url) or bool(self.place is not None and self.place.is_video)

    def __repr__(self) -> str:
        return f"<InfoSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class SessionSeries(Base):
    """Sessions a coach created in one go ("every first Tuesday at 14:00 for six
    months"): the rule as given, for the dashboard; each session stays on its own."""

    __tablename__ = "session_series"

    id = Column(Integer, primary_key=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="CASCADE"), nullable=False, index=True)
    rule = Column(String(200), nullable=False)  # French, e.g. "chaque 1er mardi du mois, 14 h"
    created_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SessionSeriesMember(Base):
    """A session created as part of a series (a table of its own, so that the
    session table and the code reading it stay as they were)."""

    __tablename__ = "session_series_member"

    session_id = Column(Integer, ForeignKey("info_session.id", ondelete="CASCADE"), primary_key=True)
    series_id = Column(Integer, ForeignKey("session_series.id", ondelete="CASCADE"), nullable=False,
                       index=True)


class SessionMessage(Base):
    """A message a coach sent to the people booked on a session (room change,
    video link): kept for the session page's history; recipients are counted, not listed."""

    __tablename__ = "session_message"

    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("info_session.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    subject = Column(String(200), nullable=False)
    body = Column(String(5000), nullable=False)
    recipients = Column(Integer, nullable=False, default=0)
    failed = Column(Integer, nullable=False, default=0)
    sent_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Person(Base):
    """Someone who gave us their contact details (with consent). Generic, shared.

    A booking made in a chat conversation creates a record of its own
    (``origin_conversation``): an address typed in a chat is not proven, so it
    never reaches a record made elsewhere. Records made outside the chat (sample
    data, scripts) have no ``origin_conversation`` and one per address."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("origin_conversation", "email"),
        Index("uq_person_email_direct", "email", unique=True,
              sqlite_where=text("origin_conversation IS NULL"),
              postgresql_where=text("origin_conversation IS NULL")),
    )

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False, default="")
    last_name = Column(String(100), nullable=False, default="")
    # Normalised (lower case); NULL once the person has been erased.
    email = Column(String(254), index=True)
    # The chat conversation (tracker sender id) where these details were typed.
    origin_conversation = Column(String(255))
    phone = Column(String(40))
    consent_at = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    erased_at = Column(UTCDateTime)
    # Name and e-mail folded (bot/text.py: lower case, no accents), what the search
    # compares: kept up to date on every ORM write (``_fold_person`` below).
    search_text = deferred(Column(Text, nullable=False, server_default=""))

    bookings = relationship("Booking", back_populates="person")

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint(_in_list("status", BOOKING_STATUSES), name="status"),
        # One active booking per person and session.
        Index(
            "uq_booking_person_session_active",
            "person_id",
            "session_id",
            unique=True,
            sqlite_where=text(_active_in),
            postgresql_where=text(_active_in),
        ),
        Index("ix_booking_session_id_status", "session_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(12), nullable=False, unique=True)  # "RI-7K3P9Q"
    person_id = Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False,
                       index=True)
    session_id = Column(Integer, ForeignKey("info_session.id", ondelete="CASCADE"),
                        nullable=False)
    status = Column(String(20), nullable=False)
    position = Column(Integer)  # order on the waiting list (waitlisted only)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    cancelled_at = Column(UTCDateTime)
    promoted_at = Column(UTCDateTime)
    reminder_sent_at = Column(UTCDateTime)  # the J-2 reminder (bot/booking/reminders.py)
    same_day_reminder_sent_at = Column(UTCDateTime)  # video sessions: the reminder of the day
    # Waiting list: a freed seat is offered to a waitlisted booking and held for it
    # while ``offered_at`` is set, until it is claimed (registered), declined
    # (cancelled) or passed on after ``offer_expires_at`` (then ``offered_at`` is
    # cleared and ``offer_expires_at`` kept: no automatic offer again).
    offered_at = Column(UTCDateTime)
    offer_expires_at = Column(UTCDateTime)
    # Incremented on each change, used as the .ics SEQUENCE so calendars update.
    sequence = Column(Integer, nullable=False, default=0, server_default=text("0"))

    person = relationship("Person", back_populates="bookings")
    session = relationship("InfoSession", back_populates="bookings")

    def __repr__(self) -> str:
        return f"<Booking {self.reference} {self.status}>"


# --------------------------------------------------------------------------- coaches

ROLE_COACH = "coach"
ROLE_ADMIN = "admin"
ROLES = (ROLE_COACH, ROLE_ADMIN)


class Coach(Base):
    """A chargé d'accompagnement (or an admin) who logs in to the dashboard and API.

    ``cae_id`` scopes what a coach sees; an admin with no CAE sees every CAE.
    """

    __tablename__ = "coach"
    __table_args__ = (CheckConstraint(_in_list("role", ROLES), name="role"),)

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)  # normalised, lower case
    name = Column(String(200), nullable=False, default="")
    password_hash = Column(String(200), nullable=False)  # argon2
    role = Column(String(10), nullable=False, default=ROLE_COACH)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="SET NULL"), index=True)
    active = Column(Boolean, nullable=False, default=True, server_default=text("true"))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = Column(UTCDateTime)

    cae = relationship("Cae")

    def __repr__(self) -> str:
        return f"<Coach {self.id} {self.role}>"


class CoachSession(Base):
    """A dashboard login. The cookie holds a random token; only its SHA-256 is
    stored. Ends at logout (``revoked_at``), after ``CAE_SESSION_IDLE_MINUTES``
    without use, or ``CAE_SESSION_MAX_HOURS`` after ``created_at``."""

    __tablename__ = "coach_session"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = Column(UTCDateTime)


# --------------------------------------------------------------------------- conversation records

class EligibilityOutcome(Base):
    """One eligibility verdict given in the chat. Anonymous unless ``person_id`` is set
    (only when the person consented); ``conversation_id`` is the tracker's sender id."""

    __tablename__ = "eligibility_outcome"

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    conversation_id = Column(String(255), index=True)
    channel = Column(String(40))
    status = Column(String(20), nullable=False)
    redirect = Column(String(20))
    matched = Column(String(300), nullable=False, default="")  # labels, "; "-joined
    rules = Column(String(300), nullable=False, default="")  # rule ids, ","-joined
    situation = Column(String(40))
    person_id = Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), index=True)

    person = relationship("Person")


HANDOFF_OPEN = "open"
HANDOFF_HANDLED = "handled"
HANDOFF_STATUSES = (HANDOFF_OPEN, HANDOFF_HANDLED)


class HandoffRequest(Base):
    """"Je veux parler à un conseiller": waits in the coaches' inbox until handled.
    Contact details are kept only when the person consented (``consent_at``)."""

    __tablename__ = "handoff_request"
    __table_args__ = (CheckConstraint(_in_list("status", HANDOFF_STATUSES), name="status"),)

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    conversation_id = Column(String(255), index=True)
    channel = Column(String(40))
    reason = Column(String(1000), nullable=False, default="")  # the person's last question
    # What the assistant understood (JSON, bot/handoff.py conversation_context).
    context = Column(Text)
    name = Column(String(200))
    email = Column(String(254))
    phone = Column(String(40))
    consent_at = Column(UTCDateTime)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), index=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="SET NULL"), index=True)
    status = Column(String(10), nullable=False, default=HANDOFF_OPEN, server_default=HANDOFF_OPEN)
    handled_at = Column(UTCDateTime)
    handled_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    # The question, the context's texts and the name, folded: what the search compares.
    search_text = deferred(Column(Text, nullable=False, server_default=""))

    person = relationship("Person")


class PersonNote(Base):
    """A coach's note on a person's file (deleted with the person's data on erasure)."""

    __tablename__ = "person_note"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    text = Column(String(2000), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ConversationReview(Base):
    """A coach's review of one conversation (tracker sender id): tags, note, reviewed flag."""

    __tablename__ = "conversation_review"

    conversation_id = Column(String(255), primary_key=True)
    reviewed = Column(Boolean, nullable=False, default=False, server_default=text("false"))
    tags = Column(String(500), nullable=False, default="")  # ","-joined, lower case
    note = Column(String(4000), nullable=False, default="")
    reviewed_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ConversationCae(Base):
    """A CAE a conversation (tracker sender id) belongs to, so that only its coaches
    read it. Derived (``bot/conversation_cae.py``) from the person linked to the
    conversation (their bookings, their enrolments) and from the conversation's
    handoff requests; a conversation without a row is unassigned."""

    __tablename__ = "conversation_cae"

    conversation_id = Column(String(255), primary_key=True)
    cae_id = Column(Integer, ForeignKey("cae.id", ondelete="CASCADE"), primary_key=True, index=True)
    source = Column(String(20), nullable=False)  # "booking", "enrolment" or "handoff"
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


# --------------------------------------------------------------------------- identity

# ConversationLink.method for the conversation where the person booked: the
# person record made there, not a proof of identity.
LINK_BOOKING = "booking"

class ConversationLink(Base):
    """A chat conversation (tracker sender id) proven to belong to a person."""

    __tablename__ = "conversation_link"

    conversation_id = Column(String(255), primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    method = Column(String(20), nullable=False)  # "coach_code" or "email_code"
    linked_at = Column(UTCDateTime, nullable=False, default=utcnow)

    person = relationship("Person")


class OneTimeCode(Base):
    """A short-lived code: from a coach for one person, or e-mailed to prove an address.
    Only a hash of the code is stored."""

    __tablename__ = "one_time_code"

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)  # "coach_code" or "email_code"
    code_hash = Column(String(64), nullable=False, index=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), index=True)
    email = Column(String(254))
    conversation_id = Column(String(255))  # e-mail codes are valid in one conversation
    purpose = Column(String(20), nullable=False, default="link")  # "link" or "privacy"
    created_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0, server_default=text("0"))
    used_at = Column(UTCDateTime)


class ExportKey(Base):
    """A random nonce per conversation, signed into its data-export links; deleted
    on erasure, so every link given before dies with it."""

    __tablename__ = "export_key"

    conversation_id = Column(String(255), primary_key=True)
    nonce = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


# --------------------------------------------------------------------------- curriculum

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
VALIDATED = "validated"
PROGRESS_STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, VALIDATED)


class Enrolment(Base):
    """A person following a module of curriculum/ (ids are the YAML ids)."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("person_id", "module_id"),)

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    module_id = Column(String(60), nullable=False)
    enrolled_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    enrolled_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ObjectiveProgress(Base):
    __tablename__ = "objective_progress"
    __table_args__ = (
        UniqueConstraint("person_id", "objective_id"),
        CheckConstraint(_in_list("status", PROGRESS_STATUSES), name="status"),
    )

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    module_id = Column(String(60), nullable=False)
    objective_id = Column(String(60), nullable=False)
    status = Column(String(20), nullable=False, default=NOT_STARTED)
    started_at = Column(UTCDateTime)
    completed_at = Column(UTCDateTime)
    validated_at = Column(UTCDateTime)
    validated_by = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    score = Column(Integer, nullable=False, default=0, server_default=text("0"))  # right answers
    answered = Column(Integer, nullable=False, default=0, server_default=text("0"))
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ProgressEvent(Base):
    """Every step, never updated: who did what on which objective, with what result."""

    __tablename__ = "progress_event"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    person_id = Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    actor = Column(String(10), nullable=False)  # "person" or "coach"
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="SET NULL"))
    action = Column(String(30), nullable=False)  # enrolled, started, answered, completed, validated
    module_id = Column(String(60))
    objective_id = Column(String(60))
    result = Column(String(200), nullable=False, default="")


# --------------------------------------------------------------------------- live takeover

class Takeover(Base):
    """A conversation (tracker sender id) a coach holds: the assistant stays silent
    in it (bot/takeover.py, checked by every Rasa server: bot/rasa/speedups.py).
    One row per held conversation: a second coach cannot take it."""

    __tablename__ = "takeover"

    conversation_id = Column(String(255), primary_key=True)
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="CASCADE"), nullable=False, index=True)
    coach_name = Column(String(200), nullable=False, default="")
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_activity_at = Column(UTCDateTime, nullable=False, default=utcnow)


class TakeoverMessage(Base):
    """What a coach (or the takeover itself: taken, handed back) says to the person,
    waiting for the person's channel (``delivered_at`` once sent)."""

    __tablename__ = "takeover_message"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    author = Column(String(200), nullable=False, default="")  # "" for the assistant's notices
    text = Column(String(4000), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime)


class ChannelAddress(Base):
    """Where a Telegram or WhatsApp conversation (a pseudonym, bot/channels/limits.py)
    can be written to first: its chat id or number, sealed with a key derived from
    ``CAE_ID_HASH_KEY`` (bot/takeover.py), so that a coach's message reaches the
    person at once. Refreshed by each message; erased with the conversation."""

    __tablename__ = "channel_address"

    conversation_id = Column(String(255), primary_key=True)
    channel = Column(String(32), nullable=False)
    sealed = Column(String(1000), nullable=False)
    seen_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


# --------------------------------------------------------------------------- search


class SavedFilter(Base):
    """A coach's named set of filters of the conversation list (the query string
    of ``/coach/conversations``, known keys only). Goes with the account."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("coach_id", "name"),)

    id = Column(Integer, primary_key=True)
    coach_id = Column(Integer, ForeignKey("coach.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    query = Column(String(2000), nullable=False, default="")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ConversationSearch(Base):
    """One conversation (tracker sender id) as the search reads it: its sender id and
    the person's messages (``texts``) and the coaches' tags, folded. ``texts`` is
    rebuilt from the tracker store for the conversations with events past the last
    one indexed (bot/search.py), ``tags`` on every review; erasure and purge delete
    the row."""

    __tablename__ = "conversation_search"

    conversation_id = Column(String(255), primary_key=True)
    texts = Column(Text, nullable=False, default="")
    tags = Column(String(500), nullable=False, default="")
    last_event_id = Column(Integer, nullable=False, default=0, index=True)


def person_search_text(first_name, last_name, email) -> str:
    return fold(" ".join(str(v) for v in (first_name, last_name, email) if v))


def request_search_text(reason, context, name) -> str:
    try:
        values = json.loads(context) if context else {}
    except ValueError:
        values = {}
    parts = [reason, name] + (list(values.values()) if isinstance(values, dict) else [])
    return fold(" ".join(str(v) for v in parts if v))


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _fold_person(_mapper, _connection, person: Person) -> None:
    person.search_text = person_search_text(person.first_name, person.last_name, person.email)


@event.listens_for(HandoffRequest, "before_insert")
@event.listens_for(HandoffRequest, "before_update")
def _fold_request(_mapper, _connection, request: HandoffRequest) -> None:
    request.search_text = request_search_text(request.reason, request.context, request.name)
