"""Retention: ``python -m bot.privacy.purge`` (also run daily by the web app).

Periods in days, from the environment:
- ``CAE_RETENTION_TRANSCRIPTS_DAYS`` (180): conversations not linked to anyone,
  counted from their last message, are deleted from the tracker store; their
  eligibility outcomes lose the conversation id (the anonymous statistics stay)
  and their handoff requests, reviews and links go.
- ``CAE_RETENTION_CANCELLED_DAYS`` (30): cancelled bookings, from their cancellation.
- ``CAE_RETENTION_PEOPLE_DAYS`` (365): people with no activity (last information
  session, training step or creation) are erased as on request.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import delete, func, select, update

from bot import conversation_cae, search, settings, training_examples
from bot.privacy import erase_person
from bot.storage.db import Database
from bot.storage.models import (
    CANCELLED, Booking, ChannelAddress, ConversationLink, ConversationReview, EligibilityOutcome, ExportKey,
    HandoffRequest, InfoSession, Person, ProgressEvent, as_utc, utcnow,
)
from bot.transcripts import EVENTS, TrackerReader


@dataclass(frozen=True)
class Periods:
    transcripts: timedelta
    cancelled_bookings: timedelta
    people: timedelta

    @classmethod
    def from_env(cls, env=None) -> "Periods":
        config = settings.current(env)
        return cls(timedelta(days=config.retention_transcripts_days),
                   timedelta(days=config.retention_cancelled_days),
                   timedelta(days=config.retention_people_days))


def purge(db: Database, reader: TrackerReader, now: Optional[datetime] = None,
          periods: Optional[Periods] = None) -> dict[str, int]:
    now = as_utc(now) if now else utcnow()
    periods = periods or Periods.from_env()
    counts = {"people": 0, "cancelled_bookings": 0, "transcripts": 0}

    # People first: their conversations then become anonymous and age like the others.
    with db.reader() as s:
        people = s.execute(select(Person.id, Person.created_at)
                           .where(Person.erased_at.is_(None))).all()
        last_session = dict(s.execute(select(Booking.person_id, func.max(InfoSession.starts_at))
                                      .join(InfoSession, Booking.session_id == InfoSession.id)
                                      .group_by(Booking.person_id)).all())
        last_step = dict(s.execute(select(ProgressEvent.person_id, func.max(ProgressEvent.at))
                                   .group_by(ProgressEvent.person_id)).all())
    for person_id, created_at in people:
        moments = [as_utc(m) for m in (created_at, last_session.get(person_id), last_step.get(person_id)) if m]
        if max(moments) > now - periods.people:
            continue

        erase_person(db, reader, person_id, now=now)  # the record, its conversations, what they hold
        counts["people"] += 1

    def drop_cancelled(s) -> int:
        result = s.execute(delete(Booking).where(Booking.status == CANCELLED,
                                                 Booking.cancelled_at < now - periods.cancelled_bookings))
        return result.rowcount or 0

    counts["cancelled_bookings"] = db.run(drop_cancelled)
    db.run(conversation_cae.resync)  # bookings gone, coaches moved: the conversations' CAEs follow

    if reader.has_events():
        limit = (now - periods.transcripts).timestamp()
        with db.reader() as s:
            linked = set(s.execute(select(ConversationLink.conversation_id)).scalars())
        with reader.engine.connect() as connection:
            old = [sender for sender, last in connection.execute(
                select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp)).group_by(EVENTS.c.sender_id))
                if last is not None and last < limit and sender not in linked]
        if old:
            with reader.engine.begin() as connection:
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(old)))

            def forget(s) -> None:
                s.execute(update(EligibilityOutcome).where(EligibilityOutcome.conversation_id.in_(old))
                          .values(conversation_id=None))
                s.execute(delete(HandoffRequest).where(HandoffRequest.conversation_id.in_(old)))
                s.execute(delete(ConversationReview).where(ConversationReview.conversation_id.in_(old)))
                search.forget(s, old)
                conversation_cae.forget(s, old)
                s.execute(delete(ExportKey).where(ExportKey.conversation_id.in_(old)))
                s.execute(delete(ChannelAddress).where(ChannelAddress.conversation_id.in_(old)))

            db.run(forget)
            training_examples.erase_conversations(old)
        counts["transcripts"] = len(old)
    return counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.privacy.purge", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    db = Database()
    reader = TrackerReader()
    try:
        counts = purge(db, reader)
    finally:
        reader.dispose()
        db.dispose()
    print(f"Purge : {counts['people']} personne(s) effacée(s), {counts['cancelled_bookings']} "
          f"inscription(s) annulée(s) supprimée(s), {counts['transcripts']} conversation(s) anonyme(s) "
          f"supprimée(s) ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC).")


if __name__ == "__main__":
    main()
