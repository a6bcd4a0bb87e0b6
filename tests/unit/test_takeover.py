"""Live takeover (bot/takeover.py): who holds a conversation, what waits for the
person, the timeout; and the Rasa hook that keeps the assistant silent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import takeover
from bot.storage.models import Coach

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
LIMIT = timedelta(minutes=20)


@pytest.fixture
def coaches(sample_db):
    with sample_db.session() as s:
        a = Coach(email="a@x.fr", name="Alice Martin", password_hash="x")
        b = Coach(email="b@x.fr", name="Bruno Petit", password_hash="x")
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def test_taking_silences_the_assistant_and_tells_the_person_who_is_there(sample_db, coaches):
    alice, _ = coaches
    assert takeover.on_person_message(sample_db, "c1", T0, LIMIT) == ([], None)
    takeover.take(sample_db, "c1", alice, "Alice Martin", T0, LIMIT)
    messages, holder = takeover.on_person_message(sample_db, "c1", T0 + timedelta(minutes=1), LIMIT)
    assert holder.coach_name == "Alice Martin"
    assert [m.text for m in messages] == [takeover.taken_notice("Alice Martin")]
    assert "Alice Martin" in messages[0].text
    # Delivered once only.
    assert takeover.on_person_message(sample_db, "c1", T0 + timedelta(minutes=2), LIMIT)[0] == []


def test_a_second_coach_cannot_take_a_held_conversation(sample_db, coaches):
    alice, bruno = coaches
    takeover.take(sample_db, "c2", alice, "Alice Martin", T0, LIMIT)
    with pytest.raises(takeover.AlreadyTaken) as refused:
        takeover.take(sample_db, "c2", bruno, "Bruno Petit", T0, LIMIT)
    assert "Alice Martin" in refused.value.message_fr
    with pytest.raises(takeover.NotHolder):
        takeover.send(sample_db, "c2", bruno, "bonjour", T0, LIMIT)
    assert takeover.release(sample_db, "c2", bruno, T0) is False
    assert takeover.holder(sample_db, "c2", T0, LIMIT).coach_id == alice


def test_coach_messages_then_hand_back(sample_db, coaches):
    alice, _ = coaches
    takeover.take(sample_db, "c3", alice, "Alice Martin", T0, LIMIT)
    takeover.send(sample_db, "c3", alice, "  Bonjour, je regarde votre dossier <b>  ", T0, LIMIT)
    with pytest.raises(takeover.EmptyMessage):
        takeover.send(sample_db, "c3", alice, "   ", T0, LIMIT)
    messages, holder = takeover.on_person_message(sample_db, "c3", T0, LIMIT)
    assert [(m.author, m.text) for m in messages][-1] == ("Alice Martin", "Bonjour, je regarde votre dossier <b>")
    assert holder is not None
    assert takeover.release(sample_db, "c3", alice, T0) is True
    messages, holder = takeover.on_person_message(sample_db, "c3", T0, LIMIT)
    assert holder is None and [m.text for m in messages] == [takeover.RELEASED_NOTICE]


def test_a_takeover_without_coach_activity_times_out_with_a_message(sample_db, coaches):
    alice, bruno = coaches
    takeover.take(sample_db, "c4", alice, "Alice Martin", T0, LIMIT)
    takeover.send(sample_db, "c4", alice, "un instant", T0 + timedelta(minutes=15), LIMIT)
    # Activity pushed the deadline: still held 30 minutes after taking.
    assert takeover.holder(sample_db, "c4", T0 + timedelta(minutes=30), LIMIT) is not None
    later = T0 + timedelta(minutes=36)
    assert takeover.holder(sample_db, "c4", later, LIMIT) is None
    messages, holder = takeover.on_person_message(sample_db, "c4", later, LIMIT)
    assert holder is None and messages[-1].text == takeover.TIMEOUT_NOTICE
    # Another coach may take it now.
    takeover.take(sample_db, "c4", bruno, "Bruno Petit", later, LIMIT)
    assert takeover.held_conversations(sample_db, ["c4", "other"], later, LIMIT)["c4"].coach_id == bruno


def test_end_expired_hands_back_every_forgotten_conversation(sample_db, coaches):
    alice, _ = coaches
    takeover.take(sample_db, "c5", alice, "Alice Martin", T0, LIMIT)
    takeover.take(sample_db, "c6", alice, "Alice Martin", T0 + timedelta(minutes=10), LIMIT)
    assert takeover.end_expired(sample_db, T0 + timedelta(minutes=25), LIMIT) == ["c5"]
    assert takeover.holder(sample_db, "c5", T0 + timedelta(minutes=25), LIMIT) is None
    assert takeover.holder(sample_db, "c6", T0 + timedelta(minutes=25), LIMIT) is not None


def test_the_timeout_is_a_setting(monkeypatch):
    monkeypatch.setenv("CAE_TAKEOVER_TIMEOUT_MINUTES", "5")
    assert takeover.timeout() == timedelta(minutes=5)
    monkeypatch.setenv("CAE_TAKEOVER_TIMEOUT_MINUTES", "abc")
    assert takeover.timeout() == timedelta(minutes=20)


def test_erasing_a_conversation_erases_its_takeover_messages(sample_db, coaches, tmp_path):
    from sqlalchemy import func, select

    from bot.privacy import erase_data
    from bot.storage.models import Takeover, TakeoverMessage
    from bot.transcripts import TrackerReader

    alice, _ = coaches
    takeover.take(sample_db, "c7", alice, "Alice Martin")
    takeover.send(sample_db, "c7", alice, "votre numéro 06 12 34 56 78 est noté")
    reader = TrackerReader(f"sqlite:///{tmp_path / 'tracker.db'}")
    try:
        erase_data(sample_db, reader, "c7", outbox=tmp_path / "outbox")
    finally:
        reader.dispose()
    with sample_db.reader() as s:
        assert s.execute(select(func.count()).select_from(TakeoverMessage)).scalar() == 0
        assert s.execute(select(func.count()).select_from(Takeover)).scalar() == 0


def test_requests_about_ones_data_are_answered_during_a_takeover():
    assert takeover.assistant_answers_anyway("erase_my_data", None)
    assert takeover.assistant_answers_anyway("my_data", None)
    assert takeover.assistant_answers_anyway("affirm", "erase_form")
    assert not takeover.assistant_answers_anyway("faq", None)
    assert not takeover.assistant_answers_anyway("affirm", "eligibility_form")
