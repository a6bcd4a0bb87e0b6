"""What a coach may see, as SQL: the one home of the scope rules, used by the
dashboard, the JSON APIs and the activity overview alike.

- Sessions, places, bookings: those of the coach's CAE.
- People: those with a booking in one of the CAE's sessions, or enrolled in a
  module by a coach of that CAE (``belonging``: the one statement of that rule,
  also behind ``bot.identity.person_cae_ids`` and ``bot.conversation_cae``).
- Conversations: those of the CAE (``conversation_cae``) and the unassigned ones
  (anonymous visitors); a coach without a CAE sees only the unassigned ones.
- Handoff requests: those routed to the CAE, and those routed to nobody.

Admins without a CAE see everything (``Scope.everything``). Each rule is a
condition or a sub-select added to the caller's query, so nothing out of scope is
ever loaded. No framework here: plain SQLAlchemy 2.0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Optional, Union

from sqlalchemy import false, select, true, union
from sqlalchemy.sql import Select
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.models import Booking, Coach, ConversationCae, Enrolment, InfoSession, Person


# Why a person belongs to a CAE (also ``conversation_cae.source``).
BOOKING = "booking"
ENROLMENT = "enrolment"


def belonging(person_ids: Union[Collection[int], Select, None] = None,
              cae_id: Optional[int] = None) -> dict[str, Select]:
    """The rule "a person belongs to a CAE": they booked one of its information
    sessions, or a coach of that CAE enrolled them in a module. Reason ->
    SELECT of (person_id, cae_id), narrowed to these people (ids or a SELECT
    of ids) and to this CAE when given."""
    booked = (select(Booking.person_id.label("person_id"), InfoSession.cae_id.label("cae_id"))
              .join(InfoSession, InfoSession.id == Booking.session_id))
    enrolled = (select(Enrolment.person_id.label("person_id"), Coach.cae_id.label("cae_id"))
                .join(Coach, Coach.id == Enrolment.enrolled_by).where(Coach.cae_id.is_not(None)))
    if person_ids is not None:
        booked = booked.where(Booking.person_id.in_(person_ids))
        enrolled = enrolled.where(Enrolment.person_id.in_(person_ids))
    if cae_id is not None:
        booked = booked.where(InfoSession.cae_id == cae_id)
        enrolled = enrolled.where(Coach.cae_id == cae_id)
    return {BOOKING: booked, ENROLMENT: enrolled}


class OutOfScope(Exception):
    """The thing exists but belongs to another CAE (the web answers 403)."""

    def __init__(self, message_fr: str) -> None:
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Scope:
    cae_id: Optional[int] = None
    everything: bool = True

    @classmethod
    def of(cls, cae_id: Optional[int], sees_everyone: bool) -> "Scope":
        return cls(None, True) if sees_everyone else cls(cae_id, False)

    @classmethod
    def of_coach(cls, coach: Any) -> "Scope":
        """From an account (anything with ``is_admin`` and ``cae_id``)."""
        return cls.of(coach.cae_id, bool(coach.is_admin and coach.cae_id is None))

    # ------------------------------------------------------------- CAE-owned rows

    def sees_cae(self, cae_id: Optional[int]) -> bool:
        return self.everything or (cae_id is not None and cae_id == self.cae_id)

    def cae_condition(self, column):
        """WHERE condition on a CAE id column (sessions, places, CAEs)."""
        if self.everything:
            return true()
        return column == self.cae_id if self.cae_id is not None else false()

    def routed_condition(self, column):
        """WHERE condition for rows routed to a CAE or to nobody (handoff requests)."""
        if self.everything:
            return true()
        if self.cae_id is None:
            return column.is_(None)
        return column.is_(None) | (column == self.cae_id)

    # ------------------------------------------------------------- people

    def people(self):
        """A SELECT of the person ids in scope (None: everyone)."""
        if self.everything:
            return None
        if self.cae_id is None:
            return select(Booking.person_id).where(false())
        pairs = union(*belonging(cae_id=self.cae_id).values()).subquery()
        return select(pairs.c.person_id)

    def person_condition(self, column):
        """WHERE condition on a person id column."""
        people = self.people()
        return true() if people is None else column.in_(people)

    def sees_person(self, s: Session, person_id: int) -> bool:
        """Whether this person (an existing record) is in scope."""
        if self.everything:
            return True
        return s.execute(select(Person.id).where(Person.id == person_id,
                                                 self.person_condition(Person.id))).first() is not None

    # ------------------------------------------------------------- conversations

    def hidden_conversations(self):
        """A SELECT of the conversation ids out of scope (None: nothing hidden):
        those assigned to CAEs, none of them the coach's."""
        if self.everything:
            return None
        assigned = select(ConversationCae.conversation_id).distinct()
        if self.cae_id is not None:
            theirs = select(ConversationCae.conversation_id).where(ConversationCae.cae_id == self.cae_id)
            assigned = assigned.where(ConversationCae.conversation_id.not_in(theirs))
        return assigned

    def hidden_conversation_ids(self, db: Database) -> frozenset[str]:
        """The same ids, loaded (for the tracker store, another database)."""
        query = self.hidden_conversations()
        if query is None:
            return frozenset()
        with db.reader() as s:
            return frozenset(s.execute(query).scalars())

    def sees_conversation(self, db: Database, conversation_id: str) -> bool:
        if self.everything:
            return True
        with db.reader() as s:
            caes = set(s.execute(select(ConversationCae.cae_id)
                                 .where(ConversationCae.conversation_id == conversation_id)).scalars())
        return not caes or self.cae_id in caes
