"""A coach's messages reach a Telegram or WhatsApp conversation at once
(bot/channels/push.py), through the loopback stand-ins of tests/stubs.py:
without any message from the person; plain text; the chat id kept sealed; a
failed send stays waiting and goes once, later."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot import takeover
from bot.channels import push
from bot.storage.models import ChannelAddress, Coach
from tests.stubs import TWILIO_NUMBER

CHAT_ID = "55507777"
NUMBER = "whatsapp:+33612345678"


@pytest.fixture
def live(sample_db, channel_stubs, monkeypatch):
    for name, value in channel_stubs.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CAE_ID_HASH_KEY", "a-key-for-the-push-tests")
    monkeypatch.setattr(push, "_remembered", {})
    with sample_db.session() as s:
        coach = Coach(email="push@x.fr", name="Alice Martin", password_hash="x")
        s.add(coach)
        s.flush()
        coach_id = coach.id
    channel_stubs.failing = False
    yield sample_db, channel_stubs, coach_id
    channel_stubs.failing = False


def sent_to(stubs, mark: int, method: str, key: str, address: str) -> list[dict]:
    return [c.params for c in stubs.calls[mark:] if c.method == method and str(c.params.get(key)) == address]


def test_telegram_coach_messages_arrive_without_any_message_from_the_person(live):
    db, stubs, coach = live
    cid = "telegram-push-1"
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))
    mark = len(stubs.calls)
    takeover.take(db, cid, coach, "Alice Martin")
    takeover.send(db, cid, coach, "Bonjour <b>Camille</b> & *bienvenue* _ici_")
    sent = asyncio.run(push.push_pending(db, cid))
    assert [m.author for m in sent] == ["", "Alice Martin"]
    calls = sent_to(stubs, mark, "telegram.sendMessage", "chat_id", CHAT_ID)
    assert [c["text"] for c in calls] == [takeover.taken_notice("Alice Martin"),
                                          "Alice Martin : Bonjour <b>Camille</b> & *bienvenue* _ici_"]
    assert all("parse_mode" not in c for c in calls)  # plain text: nothing interpreted
    # Delivered: the person's next message brings nothing again, and no second push.
    assert takeover.on_person_message(db, cid)[0] == []
    assert asyncio.run(push.push_pending(db, cid)) == []
    assert len(sent_to(stubs, mark, "telegram.sendMessage", "chat_id", CHAT_ID)) == 2


def test_whatsapp_coach_messages_arrive_at_once_as_plain_text(live):
    db, stubs, coach = live
    cid = "whatsapp-push-1"
    asyncio.run(push.remember(db, cid, push.WHATSAPP, NUMBER))
    takeover.take(db, cid, coach, "Alice Martin")
    asyncio.run(push.push_pending(db, cid))
    mark = len(stubs.calls)
    takeover.send(db, cid, coach, "Votre rendez-vous : *mardi* <10 h>")
    assert len(asyncio.run(push.push_pending(db, cid))) == 1
    [call] = sent_to(stubs, mark, "twilio.messages", "To", NUMBER)
    assert call["Body"] == "Alice Martin : Votre rendez-vous : *mardi* <10 h>"
    assert call["From"] == TWILIO_NUMBER


def test_a_failed_send_stays_waiting_and_goes_once_later(live):
    db, stubs, coach = live
    cid = "telegram-push-2"
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))
    takeover.take(db, cid, coach, "Alice Martin")
    asyncio.run(push.push_pending(db, cid))
    takeover.send(db, cid, coach, "Premier message")
    takeover.send(db, cid, coach, "Second message")
    mark = len(stubs.calls)
    stubs.failing = True
    assert asyncio.run(push.push_pending(db, cid)) == []
    # One attempt (the first message), then it stops: the order is kept.
    assert [c.method for c in stubs.calls[mark:]] == ["telegram.sendMessage.failed"]
    assert [m.text for m in takeover.pending(db, cid)] == ["Premier message", "Second message"]
    stubs.failing = False
    assert [m.text for m in asyncio.run(push.push_pending(db, cid))] == ["Premier message", "Second message"]
    assert asyncio.run(push.push_pending(db, cid)) == []
    texts = [c["text"] for c in sent_to(stubs, mark, "telegram.sendMessage", "chat_id", CHAT_ID)]
    assert texts == ["Alice Martin : Premier message", "Alice Martin : Second message"]


def test_a_failed_send_goes_with_the_persons_next_message_and_is_not_pushed_again(live):
    db, stubs, coach = live
    cid = "whatsapp-push-2"
    asyncio.run(push.remember(db, cid, push.WHATSAPP, NUMBER))
    takeover.take(db, cid, coach, "Alice Martin")
    asyncio.run(push.push_pending(db, cid))
    takeover.send(db, cid, coach, "Vous êtes toujours là ?")
    stubs.failing = True
    assert asyncio.run(push.push_pending(db, cid)) == []
    stubs.failing = False
    messages, holder = takeover.on_person_message(db, cid)  # the person writes: it goes with the answer
    assert [m.text for m in messages] == ["Vous êtes toujours là ?"] and holder is not None
    mark = len(stubs.calls)
    assert asyncio.run(push.push_pending(db, cid)) == []
    assert stubs.calls[mark:] == []


def test_a_message_claimed_by_the_persons_turn_is_not_pushed(live):
    db, stubs, coach = live
    cid = "telegram-push-3"
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))
    takeover.take(db, cid, coach, "Alice Martin")
    [notice] = takeover.pending(db, cid)
    assert takeover.claim(db, notice.id) is True
    assert takeover.claim(db, notice.id) is False  # a second claimant gets nothing
    mark = len(stubs.calls)
    assert asyncio.run(push.push_pending(db, cid)) == []
    assert stubs.calls[mark:] == []


def test_the_address_is_sealed_refreshed_and_erased_with_the_conversation(live, tmp_path, monkeypatch):
    from bot.privacy import erase_data
    from bot.transcripts import TrackerReader

    db, _, _ = live
    cid = "telegram-push-4"
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))
    with db.reader() as s:
        row = s.get(ChannelAddress, cid)
        assert row.channel == "telegram" and CHAT_ID not in row.sealed
    assert takeover.address_of(db, cid) == ("telegram", CHAT_ID)
    # Another key (the key file replaced): unreadable, so no push rather than a wrong one.
    monkeypatch.setenv("CAE_ID_HASH_KEY", "another-key")
    assert takeover.address_of(db, cid) is None
    monkeypatch.setenv("CAE_ID_HASH_KEY", "a-key-for-the-push-tests")
    # Not seen for ADDRESS_DAYS: erased by the sweep.
    from datetime import timedelta

    from bot.storage.models import utcnow

    later = utcnow() + timedelta(days=takeover.ADDRESS_DAYS + 1)
    assert takeover.forget_old_addresses(db, now=later) == 1
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))  # within the refresh delay: not written
    assert takeover.address_of(db, cid) is None
    monkeypatch.setattr(push, "_remembered", {})
    asyncio.run(push.remember(db, cid, push.TELEGRAM, CHAT_ID))
    assert takeover.address_of(db, cid) == ("telegram", CHAT_ID)
    reader = TrackerReader(f"sqlite:///{tmp_path / 'tracker.db'}")
    try:
        erase_data(db, reader, cid, outbox=tmp_path / "outbox")
    finally:
        reader.dispose()
    with db.reader() as s:
        assert s.execute(select(ChannelAddress)).first() is None


def test_a_conversation_without_address_is_not_pushed_here(live):
    db, stubs, coach = live
    takeover.take(db, "widget-session-1", coach, "Alice Martin")
    assert asyncio.run(push.push_pending(db, "widget-session-1")) is None
    assert len(takeover.pending(db, "widget-session-1")) == 1
