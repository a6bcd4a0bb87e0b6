"""Which CAE each conversation belongs to (table ``conversation_cae``), so that a
coach reads only the conversations of their own CAE.

A conversation's CAEs are those of the person linked to it (``conversation_link``):
the CAEs of the information sessions they booked and of the coaches who enrolled
them in a module (``bot.scope.belonging``), plus the CAEs its handoff
requests were routed to. A conversation with no row is unassigned (anonymous).

The rows are recomputed in the same transaction as what changes them (a link, a
booking or a change of date, an enrolment, a handoff request); ``resync``
recomputes them all (migration, daily retention run); erasure calls ``forget``.
Everything here is set-based: a handful of queries whatever the number of
conversations.
"""
from __future__ import annotations

from typing import Collection, Optional

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.scope import BOOKING, ENROLMENT, belonging  # noqa: F401 (BOOKING, ENROLMENT: the sources)
from bot.storage.db import Database
from bot.storage.models import (
    ConversationCae, ConversationLink, HandoffRequest, utcnow,
)

HANDOFF = "handoff"


def _wanted(s: Session, conversation_ids: Optional[Collection[str]]) -> dict[tuple[str, int], str]:
    """(conversation id, CAE id) -> source, for these conversations (None: all)."""
    ids = None if conversation_ids is None else list(conversation_ids)
    linked = select(ConversationLink.person_id)
    if ids is not None:
        linked = linked.where(ConversationLink.conversation_id.in_(ids))
    queries = {}
    for source, query in belonging(linked).items():
        pairs = query.subquery()
        queries[source] = (select(ConversationLink.conversation_id, pairs.c.cae_id)
                           .join(pairs, pairs.c.person_id == ConversationLink.person_id))
    routed = (select(HandoffRequest.conversation_id, HandoffRequest.cae_id)
              .where(HandoffRequest.conversation_id.is_not(None), HandoffRequest.cae_id.is_not(None)))
    if ids is not None:
        queries = {source: query.where(ConversationLink.conversation_id.in_(ids))
                   for source, query in queries.items()}
        routed = routed.where(HandoffRequest.conversation_id.in_(ids))
    wanted: dict[tuple[str, int], str] = {}
    for source, query in (*queries.items(), (HANDOFF, routed)):
        for conversation_id, cae_id in s.execute(query.distinct()):
            wanted.setdefault((conversation_id, cae_id), source)
    return wanted


def _sync(s: Session, conversation_ids: Optional[Collection[str]]) -> int:
    """Make the rows of these conversations (None: all) what they should be;
    returns the number of rows added, removed or changed."""
    if conversation_ids is not None:
        conversation_ids = sorted(set(conversation_ids))
        if not conversation_ids:
            return 0
    s.flush()
    wanted = _wanted(s, conversation_ids)
    query = select(ConversationCae.conversation_id, ConversationCae.cae_id, ConversationCae.source)
    if conversation_ids is not None:
        query = query.where(ConversationCae.conversation_id.in_(conversation_ids))
    existing = {(cid, cae): source for cid, cae, source in s.execute(query)}
    now = utcnow()
    stale: dict[int, list[str]] = {}
    for cid, cae in existing.keys() - wanted.keys():
        stale.setdefault(cae, []).append(cid)
    for cae, cids in stale.items():
        s.execute(delete(ConversationCae).where(ConversationCae.cae_id == cae,
                                                ConversationCae.conversation_id.in_(cids)))
    changed = [key for key in existing.keys() & wanted.keys() if existing[key] != wanted[key]]
    for cid, cae in changed:  # rare: a CAE now known from a stronger source
        s.execute(ConversationCae.__table__.update()
                  .where(ConversationCae.conversation_id == cid, ConversationCae.cae_id == cae)
                  .values(source=wanted[(cid, cae)], updated_at=now))
    new = [{"conversation_id": cid, "cae_id": cae, "source": wanted[(cid, cae)], "updated_at": now}
           for cid, cae in wanted.keys() - existing.keys()]
    if new:
        s.execute(insert(ConversationCae), new)
    return sum(map(len, stale.values())) + len(changed) + len(new)


def refresh_conversations(s: Session, conversation_ids: Collection[str]) -> None:
    """After a link or a handoff request: recompute these conversations' CAEs."""
    _sync(s, [c for c in conversation_ids if c])


def refresh_person(s: Session, person_id: int) -> None:
    """After a booking, a change of date or an enrolment: recompute the CAEs of
    every conversation linked to this person."""
    _sync(s, s.execute(select(ConversationLink.conversation_id)
                       .where(ConversationLink.person_id == person_id)).scalars().all())


def resync(s: Session) -> int:
    """Recompute every row (backfill; also catches bookings purged, coaches moved)."""
    return _sync(s, None)


def backfill(db: Database) -> int:
    return db.run(resync)


def forget(s: Session, conversation_ids: Collection[str]) -> None:
    """Erasure: the rows of these conversations go."""
    ids = list(conversation_ids)
    if ids:
        s.execute(delete(ConversationCae).where(ConversationCae.conversation_id.in_(ids)))


# --------------------------------------------------------------------------- reading


def caes_of(s: Session, conversation_id: str) -> set[int]:
    return set(s.execute(select(ConversationCae.cae_id)
                         .where(ConversationCae.conversation_id == conversation_id)).scalars())


def hidden_from(s: Session, cae_id: Optional[int]) -> frozenset[str]:
    """The conversations a coach of ``cae_id`` (None: a coach without a CAE) may not
    read: those assigned to CAEs, none of them theirs. One query."""
    assigned = select(ConversationCae.conversation_id).distinct()
    if cae_id is not None:
        theirs = select(ConversationCae.conversation_id).where(ConversationCae.cae_id == cae_id)
        assigned = assigned.where(ConversationCae.conversation_id.not_in(theirs))
    return frozenset(s.execute(assigned).scalars())
