"""Which people a coach may see: those with a booking in one of the coach's CAE
sessions, or enrolled by a coach of that CAE; admins without a CAE see everyone."""
from __future__ import annotations

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
