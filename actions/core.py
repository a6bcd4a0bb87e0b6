"""Conversation basics: what to do when the assistant is unsure."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answering import ADVISOR_BUTTON, misunderstood_before
from bot.caes.chat import cae_from_metadata
from bot.faq import topic_titles
from bot.privacy.notice import RetentionDays, privacy_page_url
from bot.suggestions import suggest


class ActionFallbackChoices(Action):
    """Propose the most likely subjects as buttons, or ask to rephrase."""

    def name(self) -> str:
        return "action_fallback_choices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        from actions.faq import answer_several_questions  # actions.faq imports this module

        # Two questions in one message make the whole one unsure: answer each.
        several = answer_several_questions(dispatcher, tracker)
        if several is not None:
            return several
        propose_choices(dispatcher, tracker.latest_message or {}, topic_titles(), tracker.events)
        return []


# After the likely subjects, the person may rather ask a coach (bot/handoff.py).
TALK_TO_A_PERSON = {"title": "Parler à une personne", "payload": "/human_handoff"}


def propose_choices(
    dispatcher: CollectingDispatcher, parse_data: dict[str, Any], titles: Mapping[str, str],
    events: Optional[list[dict[str, Any]]] = None,
) -> None:
    """The likely subjects as buttons, then talking to a person; or a request
    to rephrase when no subject is likely. The second misunderstanding in a row
    offers a coach first (bot/answering.py)."""
    choices = suggest(parse_data, topic_titles=titles)
    if events and misunderstood_before(events):
        dispatcher.utter_message(response="utter_offer_advisor",
                                 buttons=[ADVISOR_BUTTON] + [c.as_button() for c in choices])
    elif choices:
        buttons = [c.as_button() for c in choices] + [TALK_TO_A_PERSON]
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
    else:
        dispatcher.utter_message(response="utter_ask_rephrase")


class ActionGreet(Action):
    """The welcome (utter_greet) with its privacy line: the address of the
    privacy page and the retention period come from the settings."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_greet", privacy_url=privacy_page_url(),
                                 transcript_days=RetentionDays.from_env().transcripts)
        return []


class ActionSessionStart(Action):
    """Rasa's session start, plus the CAE the conversation belongs to: the ``cae``
    of the first message's metadata (widget ``data-cae``, REST ``metadata``,
    Telegram/WhatsApp configuration), if it names a known profile; else network mode."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                       if value is not None and name != "cae"]
        metadata = tracker.get_slot("session_started_metadata")
        slug = cae_from_metadata(metadata)
        if slug is None and not metadata:
            slug = tracker.get_slot("cae")  # a session restarted without metadata keeps its CAE
        events += [SlotSet("cae", slug), ActionExecuted("action_listen")]
        return events
