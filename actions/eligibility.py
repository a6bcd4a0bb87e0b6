"""The eligibility check in the chat: a form, then the verdict with its reasons
(built by bot/eligibility/dialogue.py, said through the domain's responses)."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import eligibility
from bot.caes.chat import all_profiles, profile_of
from bot.caes.network import verdict_notes
from bot.eligibility.outcomes import record_outcome
from bot.storage.db import get_database
from actions.faq import answer_several_questions
from bot.answering import decide_topic
from bot.eligibility.dialogue import (as_flag, looks_like_correction, parse_situation, understood, verdict_message,
                                      with_notes)

logger = logging.getLogger(__name__)

FORM_SLOTS = [
    "activity_description", "activity_label", "activity_confirmed", "situation",
    "hire_staff", "commercial_lease", "heavy_investment",
]


def cae_profiles(slug: Optional[str]) -> tuple[Optional[Any], dict[str, Any]]:
    """The conversation's CAE profile (None: network mode) and every profile;
    none when they cannot be read (the verdict is then the general one)."""
    try:
        return profile_of(slug), all_profiles()
    except Exception:  # noqa: BLE001
        logger.exception("could not read the CAE profiles")
        return None, {}


def best_match(text: str) -> Optional[Any]:
    matches = eligibility.recognize(text or "")
    return matches[0] if matches else None


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    async def extract_activity_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The message that starts the check already describes the activity
        ("je suis community manager pour des médecins, c possible chez vous ?"):
        it is the description, not asked again. A correction later in the form
        ("en fait je suis menuisier") restarts the activity."""
        requested = tracker.get_slot("requested_slot")
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        starting = requested is None and (message.get("intent") or {}).get("name") == "check_eligibility"
        if starting and not tracker.get_slot("activity_description") and best_match(text) is not None:
            # "mon activité d'hébergement web est-elle acceptée ?": the activity is in the question.
            return {"activity_description": text}
        if requested in (None, "activity_description") or not looks_like_correction(text):
            return {}
        if best_match(text) is None:
            return {}
        return {"activity_description": text, "activity_confirmed": None}

    async def validate_activity_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = str(value or "").strip()
        match = best_match(text)
        if match is None and intent in ("dont_know", "affirm", "deny"):
            dispatcher.utter_message(response="utter_describe_activity_help")
            return {"activity_description": None}
        if match is None:
            # A question about CAEs asked instead of a description (or several
            # in one message): answer, ask again.
            if intent in ("faq", "nlu_fallback") and answer_several_questions(dispatcher, tracker) is not None:
                return {"activity_description": None}
            topic = decide_topic(message).topic if intent == "faq" else None
            if topic:
                dispatcher.utter_message(response=f"utter_faq/{topic}")
                return {"activity_description": None}
            if not text or not any(ch.isalpha() for ch in text):
                dispatcher.utter_message(response="utter_describe_activity_help")
                return {"activity_description": None}
            # Unknown activity: nothing to confirm, the interview will decide.
            return {"activity_description": text, "activity_label": None, "activity_confirmed": True}
        return {"activity_description": text,
                "activity_label": understood(eligibility.recognize(text)) or match.label}

    async def validate_activity_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a correction of the activity: ask again
            return {"activity_confirmed": None}
        if value is False:
            dispatcher.utter_message(response="utter_eligibility_restart")
            return {"activity_confirmed": None, "activity_description": None, "activity_label": None}
        return {"activity_confirmed": True}

    async def extract_situation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A situation said in words the classifier took for a question
        ("je suis au chômage") is still an answer."""
        if tracker.get_slot("requested_slot") != "situation":
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        return {"situation": text} if parse_situation(text) else {}

    async def validate_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        situation = parse_situation(str(value or ""))
        if situation is None:
            dispatcher.utter_message(response="utter_situation_not_understood")
        return {"situation": situation}


class ActionEligibilityVerdict(Action):
    def name(self) -> str:
        return "action_eligibility_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        description = tracker.get_slot("activity_description") or ""
        profile, profiles = cae_profiles(tracker.get_slot("cae"))
        assessed = eligibility.assess(
            description,
            situation=tracker.get_slot("situation"),
            hire_staff=as_flag(tracker.get_slot("hire_staff")),
            commercial_lease=as_flag(tracker.get_slot("commercial_lease")),
            heavy_investment=as_flag(tracker.get_slot("heavy_investment")),
            cae_excludes=profile.excluded_categories if profile else (),
        )
        verdict = assessed.to_dict()
        message = with_notes(verdict_message(verdict), *verdict_notes(assessed, profile, profiles.values()))
        dispatcher.utter_message(response="utter_eligibility_verdict", verdict=message["text"],
                                 buttons=message["buttons"])
        try:
            record_outcome(get_database(), verdict, tracker.sender_id,
                           channel=tracker.get_latest_input_channel(),
                           situation=tracker.get_slot("situation"))
        except Exception:  # noqa: BLE001 - the person has their answer; log and go on
            logger.exception("could not record the eligibility outcome")
        return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("eligibility_status", verdict["status"])]

