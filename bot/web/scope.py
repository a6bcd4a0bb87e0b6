"""What a coach may see. People: those with a booking in one of the coach's CAE
sessions, or enrolled by a coach of that CAE. Conversations: those of their CAE
(``conversation_cae``) and the unassigned ones (anonymous visitors); a coach
without a CAE sees only the unassigned ones. Admins without a CAE see everything."""
from __future__ import annotations

from bot import conversation_cae
from bot.identity import person_cae_ids
from bot.storage.db import Database
from bot.web.auth import CoachInfo


def sees_everyone(coach: CoachInfo) -> bool:
    return coach.is_admin and coach.cae_id is None


def can_see_person(db: Database, coach: CoachInfo, person_id: int) -> bool:
    if sees_everyone(coach):
        return True
    with db.reader() as s:
        return coach.cae_id in person_cae_ids(s, person_id)


def hidden_conversations(db: Database, coach: CoachInfo) -> frozenset[str]:
    """The conversations this coach may not read (one query)."""
    if sees_everyone(coach):
        return frozenset()
    with db.reader() as s:
        return conversation_cae.hidden_from(s, coach.cae_id)


def can_see_conversation(db: Database, coach: CoachInfo, conversation_id: str) -> bool:
    if sees_everyone(coach):
        return True
    with db.reader() as s:
        caes = conversation_cae.caes_of(s, conversation_id)
    return not caes or coach.cae_id in caes
