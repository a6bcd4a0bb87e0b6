"""Personal data: what we hold about someone (one JSON document) and erasing it
from every store.

The stores: our tables (person, bookings, handoff requests, eligibility
outcomes, conversation reviews and links, one-time codes, curriculum progress),
Rasa's SQL tracker store (the conversations' events) and the outbox folder
(e-mails written on the embedded default).

Tracker events are scrubbed in place rather than deleted: each event except
the session starts becomes an empty ``action_listen``. Rasa saves a tracker by
appending the events it does not find in the store (it counts them), so rows
deleted while the conversation is being handled would be written back; scrubbed
rows keep the count and hold nothing personal.
"""
from __future__ import annotations

import json
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import delete, or_, select, update

from bot import conversation_cae
from bot.booking import errors as booking_errors
from bot.booking import service as booking
from bot.identity import conversations_of, linked_person
from bot.storage.db import Database
from bot.storage.models import (
    ConversationLink, ConversationReview, EligibilityOutcome, Enrolment, HandoffRequest,
    ObjectiveProgress, OneTimeCode, Person, ProgressEvent, utcnow,
)
from bot.transcripts import EVENTS, TrackerReader

KEPT_EVENT_TYPES = ("session_started",)


def outbox_dir() -> Path:
    from bot import settings

    return Path(os.environ.get("CAE_OUTBOX_DIR") or Path(settings.VAR_DIR) / "outbox")


def _mails_to(email: str, directory: Optional[Path] = None) -> list[Path]:
    directory = directory or outbox_dir()
    if not email or not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.eml"):
        try:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes(), headersonly=True)
        except Exception:  # noqa: BLE001 - an unreadable file is not theirs to judge
            continue
        if email.lower() in str(message.get("To", "")).lower():
            found.append(path)
    return found


def _person_row(s, person_id: Optional[int]) -> Optional[Person]:
    if person_id is None:
        return None
    person = s.get(Person, person_id)
    return person if person is not None and person.erased_at is None else None


def _scope(db: Database, conversation_id: str) -> tuple[Optional[int], list[str]]:
    """The person of this conversation (if any) and all their conversations."""
    person_id = linked_person(db, conversation_id, proven_only=False)
    conversations = {conversation_id}
    if person_id is not None:
        conversations.update(conversations_of(db, person_id))
    return person_id, sorted(conversations)


def export_data(db: Database, reader: TrackerReader, conversation_id: str) -> dict[str, Any]:
    """Everything held about the person of this conversation (or, for an anonymous
    conversation, about this conversation), as one JSON-ready document."""
    person_id, conversations = _scope(db, conversation_id)
    document: dict[str, Any] = {"generated_at": utcnow().isoformat(), "conversations": conversations}
    email = None
    with db.reader() as s:
        person = _person_row(s, person_id)
        email = person.email if person else None
        handoffs = s.execute(select(HandoffRequest).where(or_(
            HandoffRequest.conversation_id.in_(conversations),
            HandoffRequest.email == email if email else False))).scalars().all()
        outcomes = s.execute(select(EligibilityOutcome).where(or_(
            EligibilityOutcome.conversation_id.in_(conversations),
            EligibilityOutcome.person_id == person_id if person_id else False))).scalars().all()
        document["handoff_requests"] = [{"created_at": h.created_at.isoformat(), "reason": h.reason,
                                         "email": h.email, "phone": h.phone, "status": h.status}
                                        for h in handoffs]
        document["eligibility_outcomes"] = [{"created_at": o.created_at.isoformat(), "status": o.status,
                                             "redirect": o.redirect, "matched": o.matched,
                                             "situation": o.situation} for o in outcomes]
    if email:
        document.update(booking.export_person(db, email))
        from bot.curriculum import service as curriculum

        document["training"] = {**curriculum.person_progress(db, person_id),
                                "history": curriculum.history(db, person_id)}
    document["messages"] = [
        {"conversation": row["sender_id"], "type": row["type_name"], "at": row["timestamp"],
         "data": json.loads(row["data"] or "{}")}
        for row in reader.events(conversations) if row["type_name"] in ("user", "bot", "slot")]
    return document


def scrub_tracker_events(reader: TrackerReader, conversations: Iterable[str]) -> int:
    """Empty every event of these conversations (see the module docstring)."""
    conversations = list(conversations)
    if not conversations or not reader.has_events():
        return 0
    with reader.engine.begin() as connection:
        rows = connection.execute(select(EVENTS.c.id, EVENTS.c.timestamp).where(
            EVENTS.c.sender_id.in_(conversations), EVENTS.c.type_name.notin_(KEPT_EVENT_TYPES))).all()
        for row_id, timestamp in rows:
            connection.execute(update(EVENTS).where(EVENTS.c.id == row_id).values(
                type_name="action", action_name="action_listen", intent_name=None,
                data=json.dumps({"event": "action", "timestamp": timestamp, "name": "action_listen",
                                 "policy": None, "confidence": None})))
    return len(rows)


def erase_data(db: Database, reader: TrackerReader, conversation_id: str,
               outbox: Optional[Path] = None) -> dict[str, int]:
    """Erase the person of this conversation everywhere (or, if anonymous, this
    conversation). Bookings are kept anonymised for the statistics (those to come
    are cancelled, their seats go to the waiting list)."""
    person_id, conversations = _scope(db, conversation_id)
    summary = {"conversations": len(conversations), "events": 0, "emails": 0, "bookings_kept": 0}
    with db.reader() as s:
        person = _person_row(s, person_id)
        email = person.email if person else None

    def work(s) -> None:
        s.execute(delete(HandoffRequest).where(or_(
            HandoffRequest.conversation_id.in_(conversations),
            HandoffRequest.email == email if email else False,
            HandoffRequest.person_id == person_id if person_id else False)))
        s.execute(delete(EligibilityOutcome).where(or_(
            EligibilityOutcome.conversation_id.in_(conversations),
            EligibilityOutcome.person_id == person_id if person_id else False)))
        s.execute(delete(ConversationReview).where(ConversationReview.conversation_id.in_(conversations)))
        conversation_cae.forget(s, conversations)
        s.execute(delete(ConversationLink).where(or_(
            ConversationLink.conversation_id.in_(conversations),
            ConversationLink.person_id == person_id if person_id else False)))
        s.execute(delete(OneTimeCode).where(or_(
            OneTimeCode.conversation_id.in_(conversations),
            OneTimeCode.person_id == person_id if person_id else False)))
        if person_id is not None:
            for table in (ProgressEvent, ObjectiveProgress, Enrolment):
                s.execute(delete(table).where(table.person_id == person_id))

    db.run(work)
    summary["events"] = scrub_tracker_events(reader, conversations)
    if email:
        for path in _mails_to(email, outbox):
            path.unlink(missing_ok=True)
            summary["emails"] += 1
        try:
            summary["bookings_kept"] = booking.erase_person(db, email)["bookings_kept"]
        except booking_errors.PersonNotFound:
            pass
    return summary
