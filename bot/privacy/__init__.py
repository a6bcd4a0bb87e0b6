"""Personal data: what we hold about someone (one JSON document) and erasing it
from every store.

The stores: our tables (person, bookings, handoff requests, eligibility
outcomes, conversation reviews and links, one-time codes, curriculum progress),
Rasa's SQL tracker store (the conversations' events), the outbox folder
(e-mails written on the embedded default) and the training examples saved by
coaches from the conversations (bot/training_examples.py).

Who may see and erase what: ``Scope``. Booking in a conversation proves nothing
about the address typed, so without a code a conversation reaches only what it
created itself.

Tracker events are scrubbed in place rather than deleted: each event except
the session starts becomes an empty ``action_listen``. Rasa saves a tracker by
appending the events it does not find in the store (it counts them), so rows
deleted while the conversation is being handled would be written back; scrubbed
rows keep the count and hold nothing personal.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import delete, or_, select, update

from bot import conversation_cae, search, settings, training_examples
from bot.booking import service as booking
from bot.eligibility import SITUATIONS
from bot.handoff import context_lines
from bot.identity import PROVEN
from bot.labels import label
from bot.privacy import readable
from bot.storage.db import Database, checkpoint_sqlite
from bot.storage.models import (
    Booking, ChannelAddress, ConversationLink, ConversationReview, EligibilityOutcome, Enrolment, ExportKey,
    HandoffRequest, ObjectiveProgress, OneTimeCode, Person, ProgressEvent, Takeover, TakeoverMessage, utcnow,
)
from bot.transcripts import EVENTS, TrackerReader, event_data

KEPT_EVENT_TYPES = ("session_started",)


def outbox_dir() -> Path:
    return settings.current().outbox_dir


def _mails(directory: Optional[Path], emails: Iterable[str] = (),
           references: Iterable[str] = ()) -> list[Path]:
    """Outbox files addressed to one of ``emails``, or about one of ``references``."""
    directory = directory or outbox_dir()
    emails = [e.lower() for e in emails if e]
    references = [r for r in references if r]
    if not (emails or references) or not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.eml"):
        try:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            to = str(message.get("To", "")).lower()
            body = message.get_body(preferencelist=("plain",))
            text = f"{message.get('Subject', '')}\n{body.get_content() if body else ''}"
        except Exception:  # noqa: BLE001 - an unreadable file is not theirs to judge
            continue
        if any(e in to for e in emails) or any(r in text for r in references):
            found.append(path)
    return found


def _person_row(s, person_id: Optional[int]) -> Optional[Person]:
    if person_id is None:
        return None
    person = s.get(Person, person_id)
    return person if person is not None and person.erased_at is None else None


@dataclass
class Scope:
    """What a conversation may see and erase.

    Without proof: what this conversation created (its messages, requests and
    checks, and the record made when booking in it). With a code (coach's or
    e-mailed): the person's records, every record with the proven address and
    all their conversations."""

    conversations: list[str]
    people: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)  # proven addresses only
    proven_person: Optional[int] = None


def scope_of(db: Database, conversation_id: str) -> Scope:
    with db.reader() as s:
        people = set(s.execute(select(Person.id).where(
            Person.origin_conversation == conversation_id, Person.erased_at.is_(None))).scalars())
        link = s.get(ConversationLink, conversation_id)
        if link is None or link.method not in PROVEN or link.person.erased_at is not None:
            return Scope(conversations=[conversation_id], people=sorted(people))
        proven = link.person
        people.add(proven.id)
        emails = [proven.email] if proven.email else []
        if emails:
            people.update(s.execute(select(Person.id).where(
                Person.email.in_(emails), Person.erased_at.is_(None))).scalars())
        conversations = {conversation_id}
        conversations.update(s.execute(select(ConversationLink.conversation_id).where(
            ConversationLink.person_id.in_(people))).scalars())
        conversations.update(c for c in s.execute(select(Person.origin_conversation).where(
            Person.id.in_(people))).scalars() if c)
        return Scope(conversations=sorted(conversations), people=sorted(people), emails=emails,
                     proven_person=proven.id)


def scope_of_person(db: Database, person_id: int) -> Scope:
    """What erasing this person record reaches (the retention purge), keyed by the
    person: the conversations where the record was made (its origin and booking
    links); once a conversation proved the person (a code), what that proof
    reaches (``scope_of`` on a proven conversation)."""
    with db.reader() as s:
        person = _person_row(s, person_id)
        if person is None:
            return Scope(conversations=[])
        links = s.execute(select(ConversationLink.conversation_id, ConversationLink.method).where(
            ConversationLink.person_id == person_id)).all()
        if not any(method in PROVEN for _, method in links):
            conversations = {c for c, _ in links} | ({person.origin_conversation} - {None})
            return Scope(conversations=sorted(conversations), people=[person_id])
        people = {person_id}
        emails = [person.email] if person.email else []
        if emails:
            people.update(s.execute(select(Person.id).where(
                Person.email.in_(emails), Person.erased_at.is_(None))).scalars())
        conversations = set(s.execute(select(ConversationLink.conversation_id).where(
            ConversationLink.person_id.in_(people))).scalars())
        conversations.update(c for c in s.execute(select(Person.origin_conversation).where(
            Person.id.in_(people))).scalars() if c)
        return Scope(conversations=sorted(conversations), people=sorted(people), emails=emails,
                     proven_person=person_id)


def export_data(db: Database, reader: TrackerReader, conversation_id: str) -> dict[str, Any]:
    """Everything this conversation may see (see ``Scope``) as one JSON-ready
    document: who we are and what we hold (``about``), the records, and the
    messages as a plain transcript. The HTML page shows the same document."""
    scope = scope_of(db, conversation_id)
    conversations, people = scope.conversations, scope.people
    document: dict[str, Any] = {"generated_at": utcnow().isoformat(), "conversations": conversations}
    with db.reader() as s:
        handoffs = s.execute(select(HandoffRequest).where(or_(
            HandoffRequest.conversation_id.in_(conversations),
            HandoffRequest.person_id.in_(people),
            HandoffRequest.email.in_(scope.emails)))).scalars().all()
        outcomes = s.execute(select(EligibilityOutcome).where(or_(
            EligibilityOutcome.conversation_id.in_(conversations),
            EligibilityOutcome.person_id.in_(people)))).scalars().all()
        document["handoff_requests"] = [{"created_at": h.created_at.isoformat(), "reason": h.reason,
                                         "email": h.email, "phone": h.phone, "status": h.status,
                                         "status_label": label("handoff", h.status),
                                         "understood": context_lines(h.context)}
                                        for h in handoffs]
        addresses = s.execute(select(ChannelAddress).where(
            ChannelAddress.conversation_id.in_(conversations))).scalars().all()
        # The chat id or number itself stays sealed: the person knows it; we say we hold it.
        document["messaging_addresses"] = [{"channel": a.channel, "channel_label": label("channel", a.channel),
                                            "last_seen_at": a.seen_at.isoformat()} for a in addresses]
        document["eligibility_outcomes"] = [{"created_at": o.created_at.isoformat(), "status": o.status,
                                             "status_label": label("eligibility", o.status),
                                             "redirect": o.redirect, "matched": o.matched,
                                             "situation": o.situation,
                                             "situation_label": SITUATIONS.get(o.situation or "", o.situation)}
                                            for o in outcomes]
    document.update(booking.export_records(db, people))
    if scope.proven_person is not None:
        from bot.curriculum import service as curriculum

        document["training"] = {**curriculum.person_progress(db, scope.proven_person),
                                "history": curriculum.history(db, scope.proven_person)}
    # A plain transcript, without Rasa's internals (bot/privacy/readable.py).
    document["messages"] = readable.transcript(
        (row for row in reader.events(conversations) if row["type_name"] in ("user", "bot")), event_data)
    from bot.privacy.notice import RetentionDays  # notice -> purge -> this package

    document["about"] = readable.about(document, RetentionDays.from_env())
    return document


def scrub_tracker_events(reader: TrackerReader, conversations: Iterable[str]) -> int:
    """Empty every event of these conversations (see the module docstring)."""
    conversations = list(conversations)
    if not conversations or not reader.has_events():
        return 0
    with reader.engine.begin() as connection:
        if connection.dialect.name == "sqlite":  # overwrite the old text, not just unlink it
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
        rows = connection.execute(select(EVENTS.c.id, EVENTS.c.timestamp).where(
            EVENTS.c.sender_id.in_(conversations), EVENTS.c.type_name.notin_(KEPT_EVENT_TYPES))).all()
        for row_id, timestamp in rows:
            connection.execute(update(EVENTS).where(EVENTS.c.id == row_id).values(
                type_name="action", action_name="action_listen", intent_name=None,
                data=json.dumps({"event": "action", "timestamp": timestamp, "name": "action_listen",
                                 "policy": None, "confidence": None})))
    return len(rows)


def erase_data(db: Database, reader: TrackerReader, conversation_id: str,
               outbox: Optional[Path] = None, mailer=None) -> dict[str, int]:
    """Erase what this conversation may see (see ``Scope``) everywhere. Bookings are
    kept anonymised for the statistics (those to come are cancelled, their seats go
    to the waiting list)."""
    return erase_scope(db, reader, scope_of(db, conversation_id), outbox=outbox, mailer=mailer)


def erase_person(db: Database, reader: TrackerReader, person_id: int,
                 outbox: Optional[Path] = None, mailer=None, now=None) -> dict[str, int]:
    """Erase this person record and what it reaches (``scope_of_person``), as on
    request; ``now`` decides which bookings are still to come."""
    return erase_scope(db, reader, scope_of_person(db, person_id), outbox=outbox, mailer=mailer, now=now)


def erase_scope(db: Database, reader: TrackerReader, scope: Scope,
                outbox: Optional[Path] = None, mailer=None, now=None) -> dict[str, int]:
    conversations, people = scope.conversations, scope.people
    summary = {"conversations": len(conversations), "events": 0, "emails": 0, "bookings_kept": 0,
               "examples": 0}
    with db.reader() as s:
        emails = set(scope.emails) | {e for e in s.execute(select(Person.email).where(
            Person.id.in_(people))).scalars() if e}
        references = list(s.execute(select(Booking.reference).where(Booking.person_id.in_(people))).scalars())

    def work(s) -> None:
        s.execute(delete(HandoffRequest).where(or_(
            HandoffRequest.conversation_id.in_(conversations),
            HandoffRequest.person_id.in_(people),
            HandoffRequest.email.in_(scope.emails))))
        s.execute(delete(EligibilityOutcome).where(or_(
            EligibilityOutcome.conversation_id.in_(conversations),
            EligibilityOutcome.person_id.in_(people))))
        s.execute(delete(ConversationReview).where(ConversationReview.conversation_id.in_(conversations)))
        search.forget(s, conversations)  # the folded texts the search reads
        conversation_cae.forget(s, conversations)
        s.execute(delete(ConversationLink).where(or_(
            ConversationLink.conversation_id.in_(conversations),
            ConversationLink.person_id.in_(people))))
        s.execute(delete(OneTimeCode).where(or_(
            OneTimeCode.conversation_id.in_(conversations),
            OneTimeCode.person_id.in_(people))))
        s.execute(delete(ExportKey).where(ExportKey.conversation_id.in_(conversations)))
        for table in (TakeoverMessage, Takeover, ChannelAddress):  # a coach's live messages (bot/takeover.py)
            s.execute(delete(table).where(table.conversation_id.in_(conversations)))
        if scope.proven_person is not None:
            for table in (ProgressEvent, ObjectiveProgress, Enrolment):
                s.execute(delete(table).where(table.person_id.in_(people)))

    db.run(work)
    summary["events"] = scrub_tracker_events(reader, conversations)
    # Bookings first: those to come are cancelled and their people get the
    # cancelled invitation (METHOD:CANCEL, through ``mailer``) so the event leaves
    # their calendar. Then the local outbox (development, no SMTP) loses every
    # message to them, that last one included: nothing of theirs stays on disk.
    summary["bookings_kept"] = booking.erase_records(db, people, now=now, mailer=mailer)["bookings_kept"]
    # Mails: all those to a proven address; without proof, those to this
    # conversation's records about their own bookings (others stay: not theirs).
    mails = _mails(outbox, scope.emails, references)
    if not scope.emails and emails:
        mails = [p for p in mails if p in set(_mails(outbox, emails))]
    for path in mails:
        path.unlink(missing_ok=True)
        summary["emails"] += 1
    summary["examples"] = training_examples.erase_conversations(conversations)
    db.checkpoint()
    checkpoint_sqlite(reader.engine)
    return summary
