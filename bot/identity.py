"""Who is behind a conversation: linking a chat conversation (tracker sender id)
to a ``person`` with proof.

Two proofs:
- a code a coach creates for a person (8 characters, single use, 7 days);
- a 6-digit code e-mailed to the person's address (single use, 15 minutes,
  5 attempts), valid only in the conversation that asked for it.

Only an HMAC of each code is stored. Asking for an e-mail code never tells
whether the address is known. Everything that shows a person's data from the
chat goes through ``linked_person`` of that conversation.
"""
from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select

from bot import conversation_cae, mail, signing
from bot.errors import UserError
from bot.scope import belonging
from bot.storage.db import Database
from bot.storage.models import (
    LINK_BOOKING, ConversationLink, OneTimeCode, Person, as_utc,
    utcnow,
)

COACH_CODE = "coach_code"
EMAIL_CODE = "email_code"
COACH_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
COACH_CODE_LENGTH = 8
COACH_CODE_LIFETIME = timedelta(days=7)
EMAIL_CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5


class IdentityError(UserError):
    """A proof that failed; ``message_fr`` is for the person."""

    code = "identity_error"


def _hash(code: str) -> str:
    return signing.digest(code)


# Short French words around a code typed in a sentence ("c'est", "le", "mon").
_SMALL_WORDS = frozenset({"C", "EST", "CEST", "ES", "ET", "LE", "LA", "MA", "MES", "DE", "DU",
                          "UN", "UNE", "EN", "A", "Y", "J", "JE", "CA", "VA", "SA", "TA"})


def _clean_coach_code(code: str) -> str:
    """The code as typed, without spaces or dashes and in capitals ("k7p3 qr9m"
    → "K7P3QR9M"); inside a sentence ("mon code c'est k7p3-qr9m"), the run of
    words that makes a code (a digit in it, only letters of the alphabet)."""
    whole = "".join(c for c in (code or "").upper() if c.isalnum())
    if len(whole) == COACH_CODE_LENGTH:
        return whole
    words = [w for w in re.findall(r"[0-9A-Z]+", (code or "").upper()) if w not in _SMALL_WORDS]
    found = []
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if len(joined) >= COACH_CODE_LENGTH:
                break
        if (len(joined) == COACH_CODE_LENGTH and any(c.isdigit() for c in joined)
                and all(c in COACH_CODE_ALPHABET for c in joined)):
            found.append(joined)
    # The most digits: a code rather than words around it.
    return max(found, key=lambda c: sum(ch.isdigit() for ch in c)) if found else whole


def _now(now: Optional[datetime]) -> datetime:
    return as_utc(now) if now else utcnow()


def create_coach_code(db: Database, person_id: int, coach_id: Optional[int] = None,
                      now: Optional[datetime] = None) -> str:
    """A code the coach gives the person (by hand) to link their chat."""
    now = _now(now)
    # At least one digit: that is how a code is told from the words around it
    # when it is typed inside a sentence (_clean_coach_code).
    code = ""
    while not any(c.isdigit() for c in code):
        code = "".join(secrets.choice(COACH_CODE_ALPHABET) for _ in range(COACH_CODE_LENGTH))

    def work(s) -> None:
        person = s.get(Person, person_id)
        if person is None or person.erased_at is not None:
            raise IdentityError("Personne inconnue.")
        s.add(OneTimeCode(kind=COACH_CODE, code_hash=_hash(code), person_id=person_id,
                          created_by=coach_id, created_at=now, expires_at=now + COACH_CODE_LIFETIME))

    db.run(work)
    return code


def _link(s, conversation_id: str, person_id: int, method: str, now: datetime) -> None:
    link = s.get(ConversationLink, conversation_id)
    if link is None:
        s.add(ConversationLink(conversation_id=conversation_id, person_id=person_id, method=method,
                               linked_at=now))
    else:
        link.person_id, link.method, link.linked_at = person_id, method, now
    conversation_cae.refresh_conversations(s, [conversation_id])


def link_with_coach_code(db: Database, conversation_id: str, code: str,
                         now: Optional[datetime] = None) -> int:
    """Link the conversation to the person the code was made for; returns their id."""
    now = _now(now)
    cleaned = _clean_coach_code(code)
    if len(cleaned) != COACH_CODE_LENGTH:
        raise IdentityError("Ce code ne ressemble pas à un code de votre conseiller "
                            f"({COACH_CODE_LENGTH} caractères, par exemple K7P3QR9M).")

    def work(s) -> int:
        row = s.execute(select(OneTimeCode).where(
            OneTimeCode.kind == COACH_CODE, OneTimeCode.code_hash == _hash(cleaned))).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise IdentityError("Ce code est inconnu, déjà utilisé ou expiré. Demandez-en un "
                                "nouveau à votre conseiller.")
        row.used_at = now
        _link(s, conversation_id, row.person_id, COACH_CODE, now)
        return row.person_id

    return db.run(work)


def send_email_code(db: Database, conversation_id: str, email: str, purpose: str = "link",
                    now: Optional[datetime] = None, mailer=None) -> str:
    """E-mail a 6-digit code if the address belongs to someone we know. Returns the
    normalised address; raises IdentityError only for a malformed address."""
    now = _now(now)
    try:
        address = mail.normalize_address(email)
    except mail.InvalidAddress:
        raise IdentityError("Cette adresse e-mail ne semble pas valide. Pouvez-vous la vérifier ?") from None
    code = f"{secrets.randbelow(10**6):06d}"

    def work(s) -> bool:
        # Several records may hold this address (one per chat conversation that
        # booked with it): the proof covers them all (bot.privacy); the link goes
        # to the one made outside the chat, else the oldest.
        person = s.execute(select(Person).where(Person.email == address, Person.erased_at.is_(None))
                           .order_by(Person.origin_conversation.is_not(None), Person.id)).scalars().first()
        if person is None:
            return False
        s.execute(delete(OneTimeCode).where(OneTimeCode.kind == EMAIL_CODE,
                                            OneTimeCode.conversation_id == conversation_id))
        s.add(OneTimeCode(kind=EMAIL_CODE, code_hash=_hash(code), person_id=person.id, email=address,
                          conversation_id=conversation_id, purpose=purpose, created_at=now,
                          expires_at=now + EMAIL_CODE_LIFETIME))
        return True

    if db.run(work):
        body = (f"Bonjour,\n\nVotre code de vérification est : {code}\n\n"
                "Tapez-le dans la conversation avec l'assistant. Il est valable 15 minutes.\n"
                "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
                "L'assistant des Coopératives d'Activité et d'Emploi")
        sender = mailer or mail.mailer_from_env()
        sender.send(mail.build_message(address, "Votre code de vérification", body,
                                       sender=getattr(sender, "sender", mail.DEFAULT_SENDER)))
    return address


def check_email_code(db: Database, conversation_id: str, code: str, purpose: str = "link",
                     now: Optional[datetime] = None) -> int:
    """The person id if ``code`` is the one e-mailed in this conversation; the
    conversation is then linked to them."""
    now = _now(now)
    digits = "".join(c for c in (code or "") if c.isdigit())

    def work(s):
        row = s.execute(select(OneTimeCode).where(
            OneTimeCode.kind == EMAIL_CODE, OneTimeCode.conversation_id == conversation_id,
            OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
            .order_by(OneTimeCode.id.desc())).scalars().first()
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            return None, "Ce code a expiré ou n'est plus valable. Demandez-en un nouveau."
        if len(digits) != 6 or not hmac.compare_digest(row.code_hash, _hash(digits)):
            row.attempts += 1
            left = MAX_ATTEMPTS - row.attempts
            if left <= 0:
                return None, "Trop d'essais : demandez un nouveau code."
            return None, f"Ce n'est pas le bon code. Il vous reste {left} essai(s)."
        row.used_at = now
        _link(s, conversation_id, row.person_id, EMAIL_CODE, now)
        return row.person_id, None

    person_id, problem = db.run(work)
    if problem:
        raise IdentityError(problem)
    return person_id


PROVEN = (COACH_CODE, EMAIL_CODE)
BOOKING = LINK_BOOKING  # the record made by booking in this conversation: not a proof of identity


def person_cae_ids(s, person_id: int) -> set[int]:
    """The CAEs a person belongs to (``bot.scope.belonging``)."""
    return {cae_id for query in belonging([person_id]).values()
            for _, cae_id in s.execute(query)}


def linked_person(db: Database, conversation_id: str, proven_only: bool = True) -> Optional[int]:
    """The person this conversation belongs to. ``proven_only``: linked with a code
    (what progress needs); otherwise also the conversation where they booked
    (enough to see or erase what they typed there)."""
    with db.reader() as s:
        link = s.get(ConversationLink, conversation_id)
        if link is None or link.person.erased_at is not None:
            return None
        if proven_only and link.method not in PROVEN:
            return None
        return link.person_id


def note_booking_conversation(db: Database, conversation_id: str, email: str,
                              now: Optional[datetime] = None) -> None:
    """Link this conversation to the record made in it with ``email`` (``book`` with
    a ``conversation_id`` already does), unless it is already linked. A record
    made elsewhere with that address is never linked: that needs a code."""
    now = _now(now)

    def work(s) -> None:
        if s.get(ConversationLink, conversation_id) is not None:
            return
        person_id = s.execute(select(Person.id).where(
            Person.email == email, Person.origin_conversation == conversation_id,
            Person.erased_at.is_(None))).scalars().first()
        if person_id is not None:
            s.add(ConversationLink(conversation_id=conversation_id, person_id=person_id,
                                   method=BOOKING, linked_at=now))
            conversation_cae.refresh_conversations(s, [conversation_id])

    db.run(work)


def unlink(db: Database, conversation_id: str) -> None:
    def work(s) -> None:
        s.execute(delete(ConversationLink).where(ConversationLink.conversation_id == conversation_id))
        conversation_cae.refresh_conversations(s, [conversation_id])

    db.run(work)
