"""Taking over someone's record with their e-mail address (the probe's scenario):
Alice books in her conversation, asks for an advisor leaving her phone number
and checks her eligibility; Mallory, in another conversation, books as "Mallory
Attaquant" with Alice's address, then asks what we hold and erases it.

Mallory must get nothing of Alice's, erase nothing of Alice's, and learn nothing
about whether the address was known. Alice keeps seeing and erasing, without a
code, what her own conversation created; with the e-mailed code, everything
given with her address."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.booking import ActionBookSession
from actions.handoff import ActionHandoffRequest
from actions.privacy import ActionAskEraseConfirmed, ActionEraseData, ActionMyData
from bot import identity
from bot.booking import service as booking
from bot.mail import OutboxMailer
from bot.eligibility.outcomes import record_outcome
from bot.privacy import erase_data, export_data
from bot.privacy.links import check_export_token, export_token
from bot.storage.models import Booking, HandoffRequest, Person, utcnow
from bot.transcripts import TrackerReader
from tests.unit.privacy.test_privacy import save_conversation
from tests.support import rendered_buttons, rendered_texts

ALICE_EMAIL, ALICE_PHONE, ALICE_OTHER_PHONE = "alice.martin@exemple.fr", "+33 6 11 22 33 44", "+33 7 55 66 77 88"


def user(text, intent="inform"):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"}


def tracker(sender, slots=None, events=()):
    events = list(events)
    return Tracker(sender, slots or {}, {"text": events[-1]["text"] if events else ""}, events, False,
                   None, {}, "action_listen")


async def run(action, sender, slots=None, events=()):
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, tracker(sender, slots, events), {})
    return dispatcher, result


async def book_in_chat(sender, session_id, first, last, email, phone):
    slots = {"first_name": first, "last_name": last, "email": email, "phone": phone,
             "booking_consent": True, "booking_confirmed": True, "booking_session_id": str(session_id)}
    dispatcher, events = await run(ActionBookSession(), sender, slots)
    assert "RI-" in rendered_texts(dispatcher)[0], dispatcher.messages
    return next(e["value"] for e in events if e.get("name") == "booking_reference")


@pytest.fixture
def world(sample_db, tmp_path, monkeypatch):
    tracker_db = tmp_path / "tracker.db"
    monkeypatch.setenv("CAE_TRACKER_DB_URL", f"sqlite:///{tracker_db}")
    save_conversation(tracker_db, "conv-alice", [("je m'appelle Alice Martin", ("first_name", "Alice")),
                                                 (ALICE_EMAIL, ("email", ALICE_EMAIL)),
                                                 (ALICE_PHONE, ("phone", ALICE_PHONE))])
    save_conversation(tracker_db, "conv-mallory", [("Mallory Attaquant", ("first_name", "Mallory"))])
    sessions = booking.upcoming_sessions(sample_db)
    return {"db": sample_db, "reader": TrackerReader(f"sqlite:///{tracker_db}"), "sessions": sessions,
            "outbox": tmp_path / "outbox"}


async def alice_then_mallory(world):
    db, sessions = world["db"], world["sessions"]
    alice_ref = await book_in_chat("conv-alice", sessions[0].id, "Alice", "Martin", ALICE_EMAIL, ALICE_PHONE)
    await run(ActionHandoffRequest(), "conv-alice", {"handoff_contact": ALICE_OTHER_PHONE},
              [user("je voudrais parler de mon projet de graphisme"), user("un conseiller", "human_handoff")])
    record_outcome(db, {"status": "eligible", "matched": ["graphiste"], "rules": ["r1"]}, "conv-alice")
    mallory_ref = await book_in_chat("conv-mallory", sessions[1].id, "Mallory", "Attaquant", ALICE_EMAIL,
                                     "+33 6 99 99 99 99")
    return alice_ref, mallory_ref


async def test_booking_with_someone_elses_email_reaches_nothing_of_theirs(world):
    db, reader = world["db"], world["reader"]
    alice_ref, mallory_ref = await alice_then_mallory(world)

    with db.reader() as s:
        alice = s.execute(select(Person).where(Person.origin_conversation == "conv-alice")).scalar_one()
        mallory = s.execute(select(Person).where(Person.origin_conversation == "conv-mallory")).scalar_one()
        # Two records; Alice's is neither renamed nor re-used.
        assert alice.id != mallory.id
        assert (alice.first_name, alice.last_name, alice.phone) == ("Alice", "Martin", ALICE_PHONE)
        assert s.execute(select(Booking.person_id).where(Booking.reference == mallory_ref)).scalar_one() == mallory.id
    assert identity.linked_person(db, "conv-mallory", proven_only=False) == mallory.id
    assert identity.linked_person(db, "conv-mallory") is None  # booking proves nothing

    # "Quelles données avez-vous sur moi ?" in Mallory's conversation.
    dispatcher, _ = await run(ActionMyData(), "conv-mallory")
    [shown] = rendered_texts(dispatcher)
    assert [b["payload"] for b in rendered_buttons(dispatcher)[0]] == ["/erase_my_data"]
    document = json.dumps(export_data(db, reader, "conv-mallory"), ensure_ascii=False)
    for secret in (ALICE_PHONE, ALICE_OTHER_PHONE, "Martin", alice_ref, "graphisme", "conv-alice",
                   "je m'appelle Alice"):
        assert secret not in shown and secret not in document, secret
    assert "Mallory Attaquant" in shown and mallory_ref in document
    assert "demandes de contact : 0" in shown and "vérifications d'éligibilité : 0" in shown

    # "Supprimez mes données" → "Oui" in Mallory's conversation.
    await run(ActionAskEraseConfirmed(), "conv-mallory")
    dispatcher, _ = await run(ActionEraseData(), "conv-mallory", {"erase_confirmed": True})
    assert "effacées" in rendered_texts(dispatcher)[0]

    # Alice's booking, request, outcome, transcript and e-mails are all still there.
    assert booking.find_booking(db, alice_ref, ALICE_EMAIL).status == "registered"
    with db.reader() as s:
        assert s.get(Person, alice.id).phone == ALICE_PHONE
        assert s.execute(select(HandoffRequest.phone)).scalars().all() == [ALICE_OTHER_PHONE]
        assert s.get(Person, mallory.id).erased_at is not None
    assert booking.booking_by_reference(db, mallory_ref).status == "cancelled"
    alice_text = json.dumps(reader.events(["conv-alice"]), ensure_ascii=False)
    assert "je m'appelle Alice Martin" in alice_text
    mails = [p.read_text(errors="replace") for p in world["outbox"].glob("*.eml")]
    assert any(alice_ref in m for m in mails) and not any(mallory_ref in m for m in mails)

    # Alice, in her own conversation, still sees and erases what she gave there, without a code.
    mine = export_data(db, reader, "conv-alice")
    assert mine["person"]["phone"] == ALICE_PHONE and mine["bookings"][0]["reference"] == alice_ref
    assert mine["handoff_requests"][0]["phone"] == ALICE_OTHER_PHONE and mine["eligibility_outcomes"]
    assert mallory_ref not in json.dumps(mine)  # made elsewhere: needs the e-mailed code
    erase_data(db, reader, "conv-alice", outbox=world["outbox"])
    assert booking.booking_by_reference(db, alice_ref).status == "cancelled"


async def test_mallory_first_gets_nothing_alice_adds_later(world):
    """The other order: Mallory's record exists first; Alice's booking stays out of it."""
    db, reader, sessions = world["db"], world["reader"], world["sessions"]
    mallory_ref = await book_in_chat("conv-mallory", sessions[1].id, "Mallory", "Attaquant", ALICE_EMAIL, "-")
    alice_ref = await book_in_chat("conv-alice", sessions[0].id, "Alice", "Martin", ALICE_EMAIL, ALICE_PHONE)
    document = json.dumps(export_data(db, reader, "conv-mallory"), ensure_ascii=False)
    assert alice_ref not in document and ALICE_PHONE not in document and mallory_ref in document
    erase_data(db, reader, "conv-mallory", outbox=world["outbox"])
    assert booking.find_booking(db, alice_ref, ALICE_EMAIL).status == "registered"
    assert "Alice" in json.dumps(export_data(db, reader, "conv-alice"), ensure_ascii=False)


async def test_the_emailed_code_reaches_every_record_of_the_address(world):
    db, reader = world["db"], world["reader"]
    alice_ref, mallory_ref = await alice_then_mallory(world)
    mailer = OutboxMailer(world["outbox"])
    identity.send_email_code(db, "conv-alice-later", ALICE_EMAIL, mailer=mailer)
    mail = max(world["outbox"].glob("*.eml"), key=lambda p: p.stat().st_mtime_ns).read_text()
    code = re.search(r"code de vérification est : (\d{6})", mail).group(1)
    identity.check_email_code(db, "conv-alice-later", code)
    document = json.dumps(export_data(db, reader, "conv-alice-later"), ensure_ascii=False)
    for wanted in (alice_ref, mallory_ref, ALICE_PHONE, ALICE_OTHER_PHONE, "je m'appelle Alice Martin"):
        assert wanted in document, wanted


async def test_asking_a_code_never_says_whether_the_address_is_known(world):
    await alice_then_mallory(world)
    db = world["db"]
    known = identity.send_email_code(db, "conv-x", ALICE_EMAIL, mailer=OutboxMailer(world["outbox"]))
    unknown = identity.send_email_code(db, "conv-y", "personne@exemple.fr", mailer=OutboxMailer(world["outbox"]))
    assert (known, unknown) == (ALICE_EMAIL, "personne@exemple.fr")  # same answer shape, no error


def test_the_export_link_expires_and_dies_with_the_erasure(world):
    db, reader = world["db"], world["reader"]
    token = export_token(db, "conv-alice")
    assert check_export_token(db, "conv-alice", token)
    assert not check_export_token(db, "conv-mallory", token)
    assert not check_export_token(db, "conv-alice", token, now=utcnow() + timedelta(hours=25))
    assert not check_export_token(db, "conv-alice", "9999999999_" + "0" * 32)
    assert not check_export_token(db, "conv-alice", token.split("_")[1])
    erase_data(db, reader, "conv-alice", outbox=world["outbox"])
    assert not check_export_token(db, "conv-alice", token)
    assert check_export_token(db, "conv-alice", export_token(db, "conv-alice"))  # a new link works
