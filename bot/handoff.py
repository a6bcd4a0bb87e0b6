"""Requests to talk to a person ("je veux parler à un conseiller").

Each request waits in the coaches' inbox (dashboard) until handled. Contact
details are stored only when the person chose to leave them (consent). When
the conversation belongs to a person known in exactly one CAE (a booking, an
enrolment), the request goes to that CAE's coaches; otherwise every coach sees it
(``requests_for``, ``mark_handled``: scoped in SQL, ``bot.scope``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from bot import conversation_cae
from bot.booking.dialogue import clean_email
from bot.phones import NO_PHONE, clean_phone
from bot.identity import linked_person, person_cae_ids
from bot.storage.db import Database
from bot.scope import Scope
from bot.storage.models import HANDOFF_HANDLED, HANDOFF_OPEN, HandoffRequest, utcnow

MAX_REASON = 1000
NO_CONTACT = "none"
NO_CONTACT_WORDS = re.compile(r"^(non|nan|non merci|pas besoin|anonyme|je prefere pas|je préfère pas|"
                              r"je prefere rester anonyme|je préfère rester anonyme|rester anonyme)\W*$",
                              re.IGNORECASE)


EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d .\-()/]{6,20}\d(?!\w)")
MAX_NOTE = 300


def _note(text: str, found: str) -> str:
    """What the person wrote around their contact details ("plutôt le matin")."""
    rest = " ".join(text.replace(found, " ", 1).split())
    return rest.strip(" ,;:.-–—").strip()[:MAX_NOTE]


def parse_contact(text: str) -> Optional[dict]:
    """``{"email": ...}`` or ``{"phone": ...}`` found anywhere in the person's
    answer, with ``"note"``: the rest of it, if any ("07 81 22 33 44, plutôt le
    matin"); ``{}`` when they prefer to stay anonymous; None when it is neither."""
    value = (text or "").strip()
    if NO_CONTACT_WORDS.match(value):
        return {}
    contact: dict = {}
    for match in EMAIL_IN_TEXT.finditer(value):
        email = clean_email(match.group().strip(".'"))
        if email:
            contact = {"email": email, "note": _note(value, match.group())}
            break
    if not contact:
        for match in PHONE_IN_TEXT.finditer(value):
            phone = clean_phone(match.group())
            if phone and phone != NO_PHONE:
                contact = {"phone": phone, "note": _note(value, match.group())}
                break
    if not contact:
        return None
    if not contact["note"]:
        del contact["note"]
    return contact


def create_request(db: Database, conversation_id: Optional[str], channel: Optional[str],
                   reason: str, email: Optional[str] = None, phone: Optional[str] = None,
                   name: Optional[str] = None, note: Optional[str] = None) -> int:
    """Open a request; contact details given here count as consented to, now.
    ``note``: what the person added to them ("plutôt le matin"), kept with the reason."""
    consented = bool(email or phone)
    if consented and note:
        reason = f"{reason or ''}\nPrécision sur le contact : {note[:MAX_NOTE]}".strip()
    person_id = linked_person(db, str(conversation_id), proven_only=False) if conversation_id else None

    def work(s) -> int:
        caes = person_cae_ids(s, person_id) if person_id is not None else set()
        row = HandoffRequest(
            conversation_id=(conversation_id or None) and str(conversation_id)[:255],
            channel=(channel or None) and str(channel)[:40],
            reason=(reason or "")[:MAX_REASON],
            email=email if consented else None,
            phone=phone if consented else None,
            name=(name or None) if consented else None,
            consent_at=utcnow() if consented else None,
            cae_id=next(iter(caes)) if len(caes) == 1 else None,
        )
        s.add(row)
        s.flush()
        conversation_cae.refresh_conversations(s, [row.conversation_id])
        return row.id

    return db.run(work)


class RequestNotFound(LookupError):
    """No such request in this scope (another CAE's is not confirmed to exist)."""


@dataclass(frozen=True)
class RequestRecord:
    id: int
    created_at: datetime
    reason: str
    email: Optional[str]
    phone: Optional[str]
    conversation_id: Optional[str]
    status: str


def requests_for(db: Database, scope: Scope, include_handled: bool = False) -> list[RequestRecord]:
    """The requests in scope (routed to the CAE or to nobody), newest first; open
    ones only unless ``include_handled``."""
    query = (select(HandoffRequest).where(scope.routed_condition(HandoffRequest.cae_id))
             .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc()))
    if not include_handled:
        query = query.where(HandoffRequest.status == HANDOFF_OPEN)
    with db.reader() as s:
        return [RequestRecord(r.id, r.created_at, r.reason, r.email, r.phone, r.conversation_id, r.status)
                for r in s.execute(query).scalars()]


def mark_handled(db: Database, scope: Scope, request_id: int, coach_id: int) -> None:
    """Close a request. RequestNotFound when it does not exist in this scope."""

    def work(s) -> None:
        row = s.execute(select(HandoffRequest).where(
            HandoffRequest.id == request_id, scope.routed_condition(HandoffRequest.cae_id))).scalar_one_or_none()
        if row is None:
            raise RequestNotFound()
        row.status, row.handled_at, row.handled_by = HANDOFF_HANDLED, utcnow(), coach_id

    db.run(work)
