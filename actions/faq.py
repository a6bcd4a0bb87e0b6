"""Answers to questions about CAEs (retrieval intent faq/<topic>)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.core import propose_choices
from bot.answering import decide_topic
from bot.faq import topic_titles


class ActionAnswerFaq(Action):
    """Answer the selected topic, or propose the likely ones when unsure."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        parse_data = tracker.latest_message or {}
        titles = topic_titles()
        decision = decide_topic(parse_data)
        if decision.topic in titles:
            dispatcher.utter_message(response=f"utter_faq/{decision.topic}")
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
            dispatcher.utter_message(response=f"utter_faq/{topic}")
            return [SlotSet("faq_topic", topic)]
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
