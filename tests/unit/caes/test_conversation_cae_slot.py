"""The conversation's CAE: set at the session's start from the metadata, used
by the answers, and carried by handoff requests."""
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.core import ActionSessionStart
from actions.faq import ActionAnswerTopic
from bot.caes.chat import cae_id_of
from bot.handoff import create_request
from bot.storage.models import HandoffRequest

DOMAIN = {"session_config": {"carry_over_slots_to_new_session": True}}


def tracker(slots, latest=None):
    return Tracker("conv-1", slots, latest or {}, [], False, None, {}, "action_listen")


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_session_start_sets_the_cae_from_metadata(sample_db):
    events = await ActionSessionStart().run(
        CollectingDispatcher(), tracker({"session_started_metadata": {"cae": "coop-lyon"}, "faq_topic": "vat"}),
        DOMAIN)
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert slot_events(events)["cae"] == "coop-lyon"
    assert slot_events(events)["faq_topic"] == "vat"  # the others are carried over


async def test_session_start_with_an_unknown_cae_is_network_mode(sample_db):
    events = await ActionSessionStart().run(
        CollectingDispatcher(), tracker({"session_started_metadata": {"cae": "n-importe-quoi"}}), DOMAIN)
    assert slot_events(events)["cae"] is None


async def test_a_topic_answered_for_the_conversations_cae(sample_db):
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker({"cae": "coop-normandie", "faq_topic": "contribution_rate"}), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_cae_contribution_rate"
    assert message["cae_contribution"] == "11 % de votre marge brute"
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker({"cae": None, "faq_topic": "contribution_rate"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/contribution_rate", "utter_which_cae_near_you"]
    assert dispatcher.messages[1]["buttons"] == [{"title": "Une CAE près de chez moi", "payload": "/find_cae"}]


def test_handoff_request_carries_the_conversations_cae(sample_db):
    cae_id = cae_id_of("coop-lyon", sample_db)
    assert cae_id is not None
    request_id = create_request(sample_db, "conv-x", "rest", "une question", cae_id=cae_id)
    anonymous = create_request(sample_db, "conv-y", "rest", "une question")
    with sample_db.reader() as s:
        rows = dict(s.execute(select(HandoffRequest.id, HandoffRequest.cae_id)).all())
    assert rows[request_id] == cae_id and rows[anonymous] is None


def test_the_dashboard_transcript_shows_the_conversations_cae():
    from bot.transcripts import turns

    import json

    def row(kind, at, **data):
        return {"type_name": kind, "timestamp": at, "action_name": data.get("name"),
                "data": json.dumps({"event": kind, **data})}

    events = [row("action", 1.0, name="action_session_start"), row("session_started", 1.0),
              row("slot", 1.0, name="cae", value="coop-lyon"),
              row("user", 2.0, text="bonjour", parse_data={"intent": {"name": "greet"}})]
    shown = [(t.kind, t.name, t.value) for t in turns(events) if t.kind == "slot"]
    assert shown == [("slot", "cae", "coop-lyon")]
    # Network mode: nothing to show.
    events[2] = row("slot", 1.0, name="cae", value=None)
    assert [t for t in turns(events) if t.kind == "slot"] == []


def test_telegram_and_whatsapp_say_which_cae_they_speak_for():
    from bot.channels.credentials import telegram_settings, whatsapp_settings
    from bot.channels.telegram import TelegramChannel
    from bot.channels.whatsapp import WhatsAppChannel

    env = {"CAE_TELEGRAM_TOKEN": "123:abc", "CAE_TELEGRAM_BOT_NAME": "cae_bot",
           "CAE_TELEGRAM_WEBHOOK_URL": "https://x.test/webhooks/telegram/webhook", "CAE_TELEGRAM_CAE": "coop-lyon",
           "CAE_TWILIO_ACCOUNT_SID": "AC1", "CAE_TWILIO_AUTH_TOKEN": "t", "CAE_TWILIO_WHATSAPP_NUMBER": "+33100000000",
           "CAE_TWILIO_WEBHOOK_URL": "https://x.test/webhooks/twilio/webhook"}
    telegram = TelegramChannel.from_credentials(telegram_settings(env))
    whatsapp = WhatsAppChannel.from_credentials(whatsapp_settings(env))
    assert telegram.get_metadata(None) == {"cae": "coop-lyon"}
    assert whatsapp.get_metadata(None) is None  # no CAE_TWILIO_CAE: network mode
