"""Requests to talk to a person ("je veux parler à un conseiller").

Each request waits in the coaches' inbox (dashboard) until handled. Contact
details are stored only when the person chose to leave them (consent). The
request carries what the assistant understood (``conversation_context``: the
last question the person asked, the FAQ topic, the project and its verdict, a
booking made or in progress, the flow that was interrupted, the linked
person's name), shown to the coach in French by ``context_lines``. When
the conversation belongs to a person known in exactly one CAE (a booking, an
enrolment), the request goes to that CAE's coaches; otherwise every coach sees it
(``requests_for``, ``mark_handled``: scoped in SQL, ``bot.scope``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import select

from bot import conversation_cae
from bot.booking.dialogue import clean_email
from bot.identity import PROVEN, linked_person, person_cae_ids
from bot.phones import NO_PHONE, clean_phone
from bot.redact import mask_email
from bot.scope import Scope
from bot.storage.db import Database
from bot.storage.models import (
    HANDOFF_HANDLED, HANDOFF_OPEN, ConversationLink, HandoffRequest, Person, utcnow,
)

MAX_REASON = 1000
MAX_CONTEXT_VALUE = 300
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


# The person's "yes" to being called back with the contact details we hold.
KNOWN_CONTACT = "known"
USE_KNOWN_WORDS = re.compile(r"^(oui|ouais|ok|okay|d'accord|daccord|volontiers|parfait|c'est bon|ça marche|"
                             r"ca marche|oui (à|a) cette adresse|oui (à|a) ce num(é|e)ro|oui merci)\W*$",
                             re.IGNORECASE)


# The person's choice to be answered in the chat itself ("Répondez-moi ici").
REPLY_HERE = "here"
REPLY_HERE_WORDS = re.compile(r"^(ici|ici svp|ici merci|ici s'il vous pla[iî]t|r[ée]pondez[- ]moi ici|"
                              r"r[ée]ponse ici|(ici,? )?dans (le|ce) chat|(ici,? )?dans (la|cette) conversation|"
                              r"(r[ée]pondez[- ]moi )?(ici,? )?sur le chat)\W*$", re.IGNORECASE)


def linked_contact(db: Database, conversation_id: str) -> Optional[dict]:
    """The record this conversation belongs to (a booking made in it, or a link
    proven with a code): ``{"name", "email", "phone", "proven"}``; None when
    the conversation is not linked, or the record holds no way to call back."""
    person_id = linked_person(db, str(conversation_id), proven_only=False)
    if person_id is None:
        return None
    with db.reader() as s:
        person, link = s.get(Person, person_id), s.get(ConversationLink, str(conversation_id))
        if person is None or not (person.email or person.phone):
            return None
        return {"name": " ".join(f"{person.first_name} {person.last_name}".split()),
                "email": person.email, "phone": person.phone,
                "proven": link is not None and link.method in PROVEN}


def masked_contact(contact: dict) -> str:
    """How the held contact is shown back in the chat: ``n***@e***.fr`` or
    ``+33 6 ** ** ** 78``."""
    if contact.get("email"):
        return mask_email(contact["email"])
    phone = str(contact.get("phone") or "")
    return re.sub(r"\d", "*", phone[:-2]).replace("+**", phone[:3]) + phone[-2:] if phone else ""


def create_request(db: Database, conversation_id: Optional[str], channel: Optional[str],
                   reason: str, email: Optional[str] = None, phone: Optional[str] = None,
                   name: Optional[str] = None, note: Optional[str] = None,
                   context: Optional[Mapping[str, Any]] = None, cae_id: Optional[int] = None) -> int:
    """Open a request; contact details given here count as consented to, now.
    ``note``: what the person added to them ("plutôt le matin"), kept with the reason.
    ``context``: what was understood (``conversation_context``), shown to the coach.
    ``cae_id``: the CAE the conversation belongs to (bot/caes), when known: the
    request goes to its coaches; otherwise the CAE of the person's bookings, if one."""
    consented = bool(email or phone)
    if consented and note:
        reason = f"{reason or ''}\nPrécision sur le contact : {note[:MAX_NOTE]}".strip()
    person_id = linked_person(db, str(conversation_id), proven_only=False) if conversation_id else None

    def work(s) -> int:
        caes = {cae_id} if cae_id is not None else (
            person_cae_ids(s, person_id) if person_id is not None else set())
        row = HandoffRequest(
            conversation_id=(conversation_id or None) and str(conversation_id)[:255],
            channel=(channel or None) and str(channel)[:40],
            reason=(reason or "")[:MAX_REASON],
            email=email if consented else None,
            phone=phone if consented else None,
            name=(name or None) if consented else None,
            consent_at=utcnow() if consented else None,
            cae_id=next(iter(caes)) if len(caes) == 1 else None,
            context=json.dumps(dict(context), ensure_ascii=False) if context else None,
        )
        s.add(row)
        s.flush()
        conversation_cae.refresh_conversations(s, [row.conversation_id])
        return row.id

    return db.run(work)


# ---------------------------------------------------------------- context for the coach

# Messages that are not a question of their own.
NOT_QUESTIONS = frozenset({
    "human_handoff", "greet", "goodbye", "thank", "affirm", "deny", "dont_know", "stop",
    "restart", "inform", "choose_session", "answer_check", "objective_done", "bot_challenge",
})
# Flows a handoff may interrupt, as the coach reads them.
FLOWS = {
    "eligibility_form": "la vérification de son projet",
    "booking_form": "une inscription à une réunion d'information",
    "cancel_booking_form": "l'annulation d'une inscription",
    "change_booking_form": "un changement de réunion",
    "link_form": "la liaison de son compte",
    "break_even_form": "le calcul de son seuil de rentabilité",
    "cash_need_form": "le calcul de son besoin de trésorerie",
    "erase_form": "l'effacement de ses données",
}


def _intent(event: Mapping[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def _handoff_index(events: list) -> int:
    """The index of the person's latest request for a human (the end when none)."""
    asked = [i for i, e in enumerate(events) if e.get("event") == "user" and _intent(e) == "human_handoff"]
    return asked[-1] if asked else len(events)


def last_question(events: Iterable[Mapping[str, Any]]) -> str:
    """The last question the person asked before asking for a human: not a
    button, not a greeting or a yes/no, not an answer to a form's question
    (an e-mail, "1000;1200;1400") — unless that answer was a FAQ question."""
    events = list(events)
    end = _handoff_index(events)
    loop, requested, question = None, None, ""
    for event in events[:end]:
        kind = event.get("event")
        if kind == "active_loop":
            loop = event.get("name")
        elif kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "restart":
            loop, requested = None, None
        elif kind == "user":
            text = (event.get("text") or "").strip()
            intent = _intent(event)
            answering = bool(loop and requested)
            if (text and not text.startswith("/") and intent not in NOT_QUESTIONS
                    and (not answering or intent == "faq")):
                question = text
    return question


def interrupted_flow(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The form that was going on when the person asked for a human."""
    events = list(events)
    end = _handoff_index(events)
    loop = None
    for event in events[:end]:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "restart":
            loop = None
    return loop if loop and loop != "handoff_form" else None


def conversation_context(slots: Mapping[str, Any], events: Iterable[Mapping[str, Any]],
                         person_name: Optional[str] = None) -> dict[str, str]:
    """What the assistant understood, as codes and short texts (stored with the
    request; ``context_lines`` renders it). Empty values are left out."""
    events = list(events)

    def text(value: Any) -> Optional[str]:
        return " ".join(str(value).split())[:MAX_CONTEXT_VALUE] if value not in (None, "") else None

    booking = None
    if slots.get("booking_reference"):
        booking = "booked"
    elif slots.get("booking_session_id") or interrupted_flow(events) == "booking_form":
        booking = "in_progress"
    context = {
        "question": text(last_question(events)),
        "topic": text(slots.get("faq_topic")),
        "activity": text(slots.get("activity_label") or slots.get("activity_description")),
        "situation": text(slots.get("situation")),
        "eligibility": text(slots.get("eligibility_status")),
        "booking": booking,
        "booking_reference": text(slots.get("booking_reference")),
        "interrupted": interrupted_flow(events),
        "person": text(person_name),
    }
    return {key: value for key, value in context.items() if value}


def load_context(stored: Optional[str]) -> dict[str, str]:
    try:
        value = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def context_lines(context: Mapping[str, Any] | str | None) -> list[str]:
    """The context in French, one line per thing understood, for the coach."""
    from bot.eligibility import SITUATIONS
    from bot.labels import label, topic_title

    if isinstance(context, str) or context is None:
        context = load_context(context)
    lines = []
    if context.get("person"):
        lines.append(f"Personne reliée : {context['person']}")
    if context.get("topic"):
        lines.append(f"Dernier sujet : {topic_title(context['topic'])}")
    if context.get("activity"):
        project = f"Projet : {context['activity']}"
        if context.get("eligibility"):
            project += f" — verdict : {label('eligibility', context['eligibility'])}"
        lines.append(project)
    elif context.get("eligibility"):
        lines.append(f"Verdict du projet : {label('eligibility', context['eligibility'])}")
    if context.get("situation"):
        lines.append(f"Situation : {SITUATIONS.get(context['situation'], context['situation'])}")
    if context.get("booking") == "booked":
        reference = context.get("booking_reference")
        lines.append("Inscrit à une réunion d'information" + (f" (réf. {reference})" if reference else ""))
    elif context.get("booking") == "in_progress":
        lines.append("Inscription à une réunion en cours, pas terminée")
    if context.get("interrupted") and context.get("interrupted") != "booking_form":
        flow = FLOWS.get(context["interrupted"], context["interrupted"])
        lines.append(f"A demandé une personne pendant {flow}")
    if context.get("reply") == REPLY_HERE:
        lines.append("Souhaite une réponse ici, dans la conversation (prenez-la pour lui écrire)")
    if context.get("outside_hours"):
        line = "Demande faite en dehors des horaires"
        promised = _moment(context.get("reply_from"))
        lines.append(line + (f" : réponse annoncée pour le {promised}" if promised else
                             " : aucune heure de réponse annoncée"))
    return lines


def _moment(value: Any) -> Optional[str]:
    from bot.dates import format_moment

    try:
        return format_moment(datetime.fromisoformat(str(value))) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------- the coaches' inbox

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
    name: Optional[str] = None  # given with the contact details
    context: Optional[str] = None  # JSON, ``context_lines`` renders it


def requests_for(db: Database, scope: Scope, include_handled: bool = False) -> list[RequestRecord]:
    """The requests in scope (routed to the CAE or to nobody), newest first; open
    ones only unless ``include_handled``."""
    query = (select(HandoffRequest).where(scope.routed_condition(HandoffRequest.cae_id))
             .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc()))
    if not include_handled:
        query = query.where(HandoffRequest.status == HANDOFF_OPEN)
    with db.reader() as s:
        return [record(r) for r in s.execute(query).scalars()]


def record(r: HandoffRequest) -> RequestRecord:
    return RequestRecord(r.id, r.created_at, r.reason, r.email, r.phone, r.conversation_id, r.status,
                         r.name, r.context)


def mark_handled(db: Database, scope: Scope, request_id: int, coach_id: int) -> None:
    """Close a request. RequestNotFound when it does not exist in this scope."""

    def work(s) -> None:
        row = s.execute(select(HandoffRequest).where(
            HandoffRequest.id == request_id, scope.routed_condition(HandoffRequest.cae_id))).scalar_one_or_none()
        if row is None:
            raise RequestNotFound()
        row.status, row.handled_at, row.handled_by = HANDOFF_HANDLED, utcnow(), coach_id

    db.run(work)
