"""Answers to questions about CAEs (retrieval intent faq/<topic>)."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.core import propose_choices
from bot.answering import decide_topic
from bot.caes.answers import answer_for
from bot.caes.chat import profile_of
from bot.faq import load_topics, topic_titles
from bot.questions import topics_to_answer

logger = logging.getLogger(__name__)
FIND_CAE_BUTTON = {"title": "Une CAE près de chez moi", "payload": "/find_cae"}


@lru_cache(maxsize=1)
def _topics() -> dict[str, Any]:
    return {topic.id: topic for topic in load_topics()}


def utter_topic(dispatcher: CollectingDispatcher, tracker: Tracker, topic_id: str) -> None:
    """The topic's answer: the conversation's CAE's own rule first when its profile
    says it, else the general answer; in network mode a CAE-dependent topic is
    followed by "which CAE near you?"."""
    topic = _topics().get(topic_id)
    try:
        profile = profile_of(tracker.get_slot("cae"))
    except Exception:  # noqa: BLE001 - no profiles readable: the general answer
        logger.exception("could not read the CAE profile")
        profile = None
    if topic is None:
        dispatcher.utter_message(response=f"utter_faq/{topic_id}")
        return
    answer = answer_for(topic, profile)
    dispatcher.utter_message(response=answer.response, **answer.fill)
    if answer.ask_where:
        dispatcher.utter_message(response="utter_which_cae_near_you", buttons=[FIND_CAE_BUTTON])


def answer_several_questions(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[list]:
    """Several FAQ questions in the latest message (bot/questions.py): each
    part's answer (``utter_topic``) in the message's order, and the events;
    None when the message is not several confident questions."""
    topics = topics_to_answer(tracker.latest_message or {}, topic_titles())
    if not topics:
        return None
    for topic in topics:
        utter_topic(dispatcher, tracker, topic)
    return [SlotSet("faq_topic", topics[-1])]


class ActionAnswerFaq(Action):
    """Answer the selected topic, or propose the likely ones when unsure."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        parse_data = tracker.latest_message or {}
        several = answer_several_questions(dispatcher, tracker)
        if several is not None:
            return several
        titles = topic_titles()
        decision = decide_topic(parse_data)
        if decision.topic in titles:
            utter_topic(dispatcher, tracker, decision.topic)
            return [SlotSet("faq_topic", decision.topic)]
        propose_choices(dispatcher, parse_data, titles, tracker.events)
        return []


class ActionAnswerTopic(Action):
    """Answer the topic chosen with a button (/ask_topic{"faq_topic": "..."})."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = next(tracker.get_latest_entity_values("faq_topic"), None) or tracker.get_slot("faq_topic")
        if topic in topic_titles():
            utter_topic(dispatcher, tracker, topic)
            return [SlotSet("faq_topic", topic)]
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
