from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.core import ActionFallbackChoices


def tracker_with(latest_message):
    return Tracker("someone", {}, latest_message, [], False, None, {}, "action_listen")


async def test_fallback_proposes_the_likely_choices_as_buttons():
    dispatcher = CollectingDispatcher()
    latest = {"text": "euh aide", "intent_ranking": [{"name": "help", "confidence": 0.35}]}
    events = await ActionFallbackChoices().run(dispatcher, tracker_with(latest), {})
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_did_you_mean"
    assert message["buttons"] == [{"title": "Ce que je sais faire", "payload": "/help"},
                                  {"title": "Parler à une personne", "payload": "/human_handoff"}]


async def test_fallback_asks_to_rephrase_when_nothing_is_likely():
    dispatcher = CollectingDispatcher()
    latest = {"text": "xxx", "intent_ranking": [{"name": "greet", "confidence": 0.2}]}
    await ActionFallbackChoices().run(dispatcher, tracker_with(latest), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]
