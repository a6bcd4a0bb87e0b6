"""Live takeover: a coach answers a conversation in the assistant's place.

The state is in our database (tables ``takeover`` and ``takeover_message``), not
in Rasa's trackers: every Rasa server reads it before predicting (the hook in
bot/rasa/speedups.py calls :func:`on_person_message`), so a paused conversation
gets no bot answer whichever server handles the message, and no Rasa API call
has to reach the right server. One row per held conversation (its primary key)
makes a second coach's "take" fail. A takeover without coach activity for
``CAE_TAKEOVER_TIMEOUT_MINUTES`` ends by itself, with a message to the person.

What is said to the person (the coach's messages and the notices "a named
advisor is here", "the assistant is back") waits in ``takeover_message`` until
the person's channel sends it: with the person's next message on every channel
(the REST channel can only answer a request), and at once where the channel can
push (bot/web/dashboard/takeover.py): the widget through Rasa, Telegram and
WhatsApp directly (bot/channels/push.py) to the chat id or number kept sealed
for that (``remember_address``; the conversation itself is a pseudonym). A
message is claimed before it is pushed and given back if the push fails, so it
goes once: at once, or with the person's next message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select, union_all, update
from sqlalchemy.exc import IntegrityError

from bot import settings
from bot.errors import UserError
from bot.storage.db import Database
from bot.storage.models import ChannelAddress, Takeover, TakeoverMessage, utcnow

MAX_MESSAGE = 2000
# During a takeover the assistant still runs the personal-data flows (a person
# asking for their data or its erasure gets the usual answer): these intents,
# and the turns of these forms.
PRIVACY_INTENTS = frozenset({"my_data", "erase_my_data"})
PRIVACY_FORMS = frozenset({"erase_form"})


def assistant_answers_anyway(intent: Optional[str], active_loop: Optional[str]) -> bool:
    """Whether the assistant answers this message although a coach holds the conversation."""
    return intent in PRIVACY_INTENTS or active_loop in PRIVACY_FORMS


def taken_notice(coach_name: str) -> str:
    return (f"{coach_name}, conseiller·ère de la CAE, prend le relais et vous répond ici. "
            "L'assistant automatique se met en pause.")


RELEASED_NOTICE = ("L'assistant automatique reprend la conversation. "
                   "Vous pouvez continuer à me poser vos questions.")
TIMEOUT_NOTICE = ("Le conseiller ou la conseillère n'est plus disponible pour le moment : "
                  "l'assistant automatique reprend la conversation. "
                  "Vous pouvez redemander à parler à un conseiller à tout moment.")


class AlreadyTaken(UserError):
    def __init__(self, coach_name: str) -> None:
        super().__init__(f"Cette conversation est déjà prise par {coach_name or 'un autre conseiller'}.")
        self.coach_name = coach_name


class NotHolder(UserError):
    def __init__(self) -> None:
        super().__init__("Vous ne tenez pas cette conversation : prenez-la d'abord.")


class EmptyMessage(UserError):
    def __init__(self) -> None:
        super().__init__(f"Le message doit contenir du texte (au plus {MAX_MESSAGE} caractères).")


@dataclass(frozen=True)
class Holder:
    conversation_id: str
    coach_id: int
    coach_name: str
    started_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """A message for the person: from a coach (``author``) or a notice (author "")."""

    id: int
    author: str
    text: str


def timeout() -> timedelta:
    return timedelta(minutes=settings.current().takeover_timeout_minutes)


def _holder(row: Optional[Takeover]) -> Optional[Holder]:
    if row is None:
        return None
    return Holder(row.conversation_id, row.coach_id, row.coach_name, row.started_at, row.last_activity_at)


def _expired(row: Takeover, now: datetime, limit: timedelta) -> bool:
    return row.last_activity_at + limit <= now


def _end(session, row: Takeover, notice: str, now: datetime) -> None:
    session.delete(row)
    session.add(TakeoverMessage(conversation_id=row.conversation_id, author="", text=notice, created_at=now))


def _current(session, conversation_id: str, now: datetime, limit: timedelta) -> Optional[Takeover]:
    """The live takeover of a conversation (one that timed out is ended here)."""
    row = session.execute(select(Takeover).where(Takeover.conversation_id == conversation_id)
                          .with_for_update()).scalar_one_or_none()
    if row is not None and _expired(row, now, limit):
        _end(session, row, TIMEOUT_NOTICE, now)
        session.flush()
        return None
    return row


def holder(db: Database, conversation_id: str, now: Optional[datetime] = None,
           limit: Optional[timedelta] = None) -> Optional[Holder]:
    """Who holds the conversation now (None: the assistant answers). Reads only."""
    now, limit = now or utcnow(), limit or timeout()
    with db.reader() as session:
        row = session.get(Takeover, conversation_id)
        return None if row is None or _expired(row, now, limit) else _holder(row)


def take(db: Database, conversation_id: str, coach_id: int, coach_name: str,
         now: Optional[datetime] = None, limit: Optional[timedelta] = None) -> Holder:
    """The coach takes the conversation; the person is told who answers now.
    Taking it again by the same coach is harmless; by another coach: AlreadyTaken."""
    now, limit = now or utcnow(), limit or timeout()

    def work(session) -> Holder:
        row = _current(session, conversation_id, now, limit)
        if row is not None:
            if row.coach_id != coach_id:
                raise AlreadyTaken(row.coach_name)
            row.last_activity_at = now
            return _holder(row)
        row = Takeover(conversation_id=conversation_id, coach_id=coach_id, coach_name=coach_name,
                       started_at=now, last_activity_at=now)
        session.add(row)
        session.add(TakeoverMessage(conversation_id=conversation_id, author="",
                                    text=taken_notice(coach_name), created_at=now))
        session.flush()
        return _holder(row)

    try:
        return db.run(work, integrity_retries=0)
    except IntegrityError:  # another coach inserted the row at the same moment
        current = holder(db, conversation_id, now, limit)
        raise AlreadyTaken(current.coach_name if current else "") from None


def release(db: Database, conversation_id: str, coach_id: Optional[int],
            now: Optional[datetime] = None) -> bool:
    """Hand the conversation back to the assistant (``coach_id`` None: any coach,
    e.g. an admin). False if it was not held (by that coach)."""
    now = now or utcnow()

    def work(session) -> bool:
        row = session.get(Takeover, conversation_id)
        if row is None or (coach_id is not None and row.coach_id != coach_id):
            return False
        _end(session, row, RELEASED_NOTICE, now)
        return True

    return db.run(work)


def send(db: Database, conversation_id: str, coach_id: int, text: str,
         now: Optional[datetime] = None, limit: Optional[timedelta] = None) -> Outgoing:
    """A coach's message to the person (queued for the person's channel)."""
    now, limit = now or utcnow(), limit or timeout()
    text = (text or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise EmptyMessage()

    def work(session) -> Outgoing:
        row = _current(session, conversation_id, now, limit)
        if row is None or row.coach_id != coach_id:
            raise NotHolder()
        row.last_activity_at = now
        message = TakeoverMessage(conversation_id=conversation_id, author=row.coach_name,
                                  text=text, created_at=now)
        session.add(message)
        session.flush()
        return Outgoing(message.id, message.author, message.text)

    return db.run(work)


def on_person_message(db: Database, conversation_id: str, now: Optional[datetime] = None,
                      limit: Optional[timedelta] = None) -> tuple[list[Outgoing], Optional[Holder]]:
    """What the Rasa side asks when the person writes: the messages waiting for
    them (now marked delivered), and who holds the conversation (None: the
    assistant answers). A takeover that timed out ends here."""
    now, limit = now or utcnow(), limit or timeout()
    if not _anything_for(db, conversation_id):  # the common case: one read, no write lock
        return [], None

    def work(session):
        row = _current(session, conversation_id, now, limit)
        return _take_pending(session, conversation_id, now), _holder(row)

    return db.run(work)


def _anything_for(db: Database, conversation_id: str) -> bool:
    """Whether the conversation is held or has a message waiting (one query)."""
    query = union_all(
        select(Takeover.conversation_id).where(Takeover.conversation_id == conversation_id),
        select(TakeoverMessage.conversation_id).where(TakeoverMessage.conversation_id == conversation_id,
                                                      TakeoverMessage.delivered_at.is_(None)))
    with db.reader() as session:
        return session.execute(query.limit(1)).first() is not None


def _take_pending(session, conversation_id: str, now: datetime) -> list[Outgoing]:
    rows = session.execute(select(TakeoverMessage).where(
        TakeoverMessage.conversation_id == conversation_id, TakeoverMessage.delivered_at.is_(None))
        .order_by(TakeoverMessage.id).with_for_update()).scalars().all()  # not while a push claims them
    if rows:
        session.execute(update(TakeoverMessage).where(TakeoverMessage.id.in_([r.id for r in rows]))
                        .values(delivered_at=now))
    return [Outgoing(r.id, r.author, r.text) for r in rows]


def pending(db: Database, conversation_id: str) -> list[Outgoing]:
    """The messages waiting for the person (not marked: see ``mark_delivered``)."""
    with db.reader() as session:
        rows = session.execute(select(TakeoverMessage).where(
            TakeoverMessage.conversation_id == conversation_id, TakeoverMessage.delivered_at.is_(None))
            .order_by(TakeoverMessage.id)).scalars().all()
        return [Outgoing(r.id, r.author, r.text) for r in rows]


def mark_delivered(db: Database, ids: list[int], now: Optional[datetime] = None) -> None:
    """Those messages were pushed to the person (they are not sent again)."""
    if ids:
        db.run(lambda session: session.execute(
            update(TakeoverMessage).where(TakeoverMessage.id.in_(ids),
                                          TakeoverMessage.delivered_at.is_(None))
            .values(delivered_at=now or utcnow())))


def claim(db: Database, message_id: int, now: Optional[datetime] = None) -> bool:
    """Mark one waiting message as sent before pushing it; False if someone else
    (the person's turn, another push) already took it."""
    def work(session) -> bool:
        result = session.execute(update(TakeoverMessage).where(
            TakeoverMessage.id == message_id, TakeoverMessage.delivered_at.is_(None))
            .values(delivered_at=now or utcnow()))
        return result.rowcount == 1

    return db.run(work)


def unclaim(db: Database, message_id: int) -> None:
    """The push failed: the message waits again (it goes with the person's next message)."""
    db.run(lambda session: session.execute(
        update(TakeoverMessage).where(TakeoverMessage.id == message_id).values(delivered_at=None)))


# Addresses of Telegram / WhatsApp conversations not seen for this long are erased.
ADDRESS_DAYS = 30


def _sealer():
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    key = hashlib.sha256(b"cae-channel-address:" + settings.secret("id_hash_key").encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def remember_address(db: Database, conversation_id: str, channel: str, address: str,
                     now: Optional[datetime] = None) -> None:
    """Keep (sealed) the chat id or number a pseudonymous conversation is written to."""
    now = now or utcnow()
    sealed = _sealer().encrypt(address.encode()).decode()

    def work(session) -> None:
        row = session.get(ChannelAddress, conversation_id)
        if row is None:
            session.add(ChannelAddress(conversation_id=conversation_id, channel=channel,
                                       sealed=sealed, seen_at=now))
        else:
            row.channel, row.sealed, row.seen_at = channel, sealed, now

    db.run(work)


def address_of(db: Database, conversation_id: str) -> Optional[tuple[str, str]]:
    """(channel, chat id or number) of the conversation, or None (unknown, or
    sealed with another key)."""
    from cryptography.fernet import InvalidToken

    with db.reader() as session:
        row = session.get(ChannelAddress, conversation_id)
        if row is None:
            return None
        channel, sealed = row.channel, row.sealed
    try:
        return channel, _sealer().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def forget_old_addresses(db: Database, now: Optional[datetime] = None, days: int = ADDRESS_DAYS) -> int:
    """Erase the addresses of conversations not seen for ``days`` days; how many."""
    limit = (now or utcnow()) - timedelta(days=days)
    return db.run(lambda session: session.execute(
        delete(ChannelAddress).where(ChannelAddress.seen_at < limit)).rowcount)


def shown_text(message: Outgoing) -> str:
    """What the person reads: a coach's message starts with the coach's name."""
    return f"{message.author} : {message.text}" if message.author else message.text


def held_conversations(db: Database, conversation_ids: list[str], now: Optional[datetime] = None,
                       limit: Optional[timedelta] = None) -> dict[str, Holder]:
    """{conversation id: holder} of those held now (the inbox's badges)."""
    now, limit = now or utcnow(), limit or timeout()
    if not conversation_ids:
        return {}
    with db.reader() as session:
        rows = session.execute(select(Takeover).where(Takeover.conversation_id.in_(conversation_ids))
                               ).scalars().all()
        return {r.conversation_id: _holder(r) for r in rows if not _expired(r, now, limit)}


def end_expired(db: Database, now: Optional[datetime] = None, limit: Optional[timedelta] = None) -> list[str]:
    """End every takeover that timed out (with the timeout notice); their conversations."""
    now, limit = now or utcnow(), limit or timeout()

    def work(session) -> list[str]:
        rows = session.execute(select(Takeover).where(Takeover.last_activity_at <= now - limit)
                               .with_for_update()).scalars().all()
        for row in rows:
            _end(session, row, TIMEOUT_NOTICE, now)
        return [row.conversation_id for row in rows]

    return db.run(work)


def forget(db: Database, conversation_id: str) -> None:
    """Erase a conversation's takeover records (with the conversation's erasure)."""
    def work(session) -> None:
        session.execute(delete(Takeover).where(Takeover.conversation_id == conversation_id))
        session.execute(delete(TakeoverMessage).where(TakeoverMessage.conversation_id == conversation_id))
        session.execute(delete(ChannelAddress).where(ChannelAddress.conversation_id == conversation_id))

    db.run(work)


def may_take_over(db: Database, scope, conversation_id: str) -> bool:
    """Only coaches of the conversation's CAE (and admins who see every CAE) may
    take it over; a conversation of no CAE yet, any coach who may read it."""
    if scope.everything:
        return True
    from bot.conversation_cae import caes_of

    with db.reader() as session:
        caes = caes_of(session, conversation_id)
    return not caes or scope.cae_id in caes
