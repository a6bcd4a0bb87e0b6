"""Conversation basics: what to do when the assistant is unsure."""
from __future__ import annotations

from typing import Any, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.faq import topic_titles
from bot.suggestions import suggest


class ActionFallbackChoices(Action):
    """Propose the most likely subjects as buttons, or ask to rephrase."""

    def name(self) -> str:
        return "action_fallback_choices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        propose_choices(dispatcher, tracker.latest_message or {}, topic_titles())
        return []


def propose_choices(
    dispatcher: CollectingDispatcher, parse_data: dict[str, Any], titles: Mapping[str, str]
) -> None:
    """The likely subjects as buttons, or a request to rephrase when there are none."""
    choices = suggest(parse_data, topic_titles=titles)
    if choices:
        dispatcher.utter_message(response="utter_did_you_mean", buttons=[c.as_button() for c in choices])
    else:
        dispatcher.utter_message(response="utter_ask_rephrase")
