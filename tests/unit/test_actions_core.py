from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.core import ActionFallbackChoices
from tests.support import rendered_texts


# What the assistant says after two misunderstandings in a row (utter_offer_advisor).
OFFER_ADVISOR = ("Je ne vous comprends toujours pas, désolé. Un conseiller ou une conseillère de la CAE "
                 "peut vous répondre : voulez-vous lui parler ?")


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


def user(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def bot(text, response=None):
    return {"event": "bot", "text": text, "metadata": {"utter_action": response} if response else {}}


def tracker_after(events):
    return Tracker("someone", {}, {"text": events[-1]["text"], "intent_ranking": []}, events, False, None, {},
                   "action_listen")


async def test_the_second_misunderstanding_in_a_row_offers_an_advisor():
    from bot.answering import ADVISOR_BUTTON

    first = [user("blabla"), bot("Je n'ai pas bien compris votre message. Pouvez-vous…", "utter_ask_rephrase"),
             user("truc machin")]
    dispatcher = CollectingDispatcher()
    await ActionFallbackChoices().run(dispatcher, tracker_after(first), {})
    [message] = dispatcher.messages
    assert rendered_texts(dispatcher) == [OFFER_ADVISOR] and message["buttons"][0] == ADVISOR_BUTTON
    assert ADVISOR_BUTTON["title"] == "Parler à un conseiller"


async def test_a_misunderstanding_after_an_answer_does_not_offer_an_advisor_yet():
    understood = [user("blabla"), bot("Je ne suis pas sûr d'avoir bien compris.", "utter_did_you_mean"),
                  user("la CAPE"), bot("La CAPE est…", "utter_faq/cape_what"), user("truc machin")]
    dispatcher = CollectingDispatcher()
    await ActionFallbackChoices().run(dispatcher, tracker_after(understood), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_misunderstood_before_reads_the_previous_turn_only():
    from bot.answering import misunderstood_before

    assert not misunderstood_before([user("a")])
    assert misunderstood_before([user("a"), bot("Je ne suis pas sûr d'avoir bien compris. Vouliez-vous"), user("b")])
    assert misunderstood_before([user("a"), bot(OFFER_ADVISOR), user("b")])  # a third one offers again
    assert misunderstood_before([user("a"), bot(OFFER_ADVISOR, "utter_offer_advisor"), user("b")])
    assert not misunderstood_before([user("a"), bot("x", "utter_ask_rephrase"), user("b"),
                                     bot("Bonjour", "utter_greet"), user("c")])
