"""Answers to questions about CAEs (retrieval intent faq/<topic>)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.core import propose_choices
from bot.answering import decide_topic
from bot.faq import topic_titles
from bot.questions import topics_to_answer


def answer_several_questions(dispatcher: CollectingDispatcher, parse_data: Mapping[str, Any]) -> Optional[list]:
    """Several FAQ questions in one message (bot/questions.py): each part's
    answer in the message's order, and the events; None when the message is
    not several confident questions."""
    topics = topics_to_answer(parse_data, topic_titles())
    if not topics:
        return None
    for topic in topics:
        dispatcher.utter_message(response=f"utter_faq/{topic}")
    return [SlotSet("faq_topic", topics[-1])]


class ActionAnswerFaq(Action):
    """Answer the selected topic, or propose the likely ones when unsure."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        parse_data = tracker.latest_message or {}
        several = answer_several_questions(dispatcher, parse_data)
        if several is not None:
            return several
        titles = topic_titles()
        decision = decide_topic(parse_data)
        if decision.topic in titles:
            dispatcher.utter_message(response=f"utter_faq/{decision.topic}")
            return [SlotSet("faq_topic", decision.topic)]
        propose_choices(dispatcher, parse_data, titles)
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
            dispatcher.utter_message(response=f"utter_faq/{topic}")
            return [SlotSet("faq_topic", topic)]
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
