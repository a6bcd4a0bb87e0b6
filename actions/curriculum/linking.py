"""Linking the conversation to the person's record: a coach's code, or an
e-mailed code (thin adapters over bot.identity; the wording is in the domain)."""
from __future__ import annotations

import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from actions.curriculum.progress import db, person_of
from bot import identity
from bot.curriculum.dialogue import CONTINUE_BUTTON, LINK_BUTTON, WHERE_AM_I_BUTTON, find_email

logger = logging.getLogger(__name__)


class ValidateLinkForm(FormValidationAction):
    def name(self) -> str:
        return "validate_link_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if find_email(tracker.get_slot("link_proof") or ""):
            return ["link_proof", "link_email_code"]
        return ["link_proof"]

    async def validate_link_proof(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip()
        try:
            email = find_email(text)
            if email:
                address = identity.send_email_code(db(), tracker.sender_id, email)
                dispatcher.utter_message(response="utter_link_code_sent", address=address)
                return {"link_proof": address}
            identity.link_with_coach_code(db(), tracker.sender_id, text)
            return {"link_proof": "coach_code"}
        except identity.IdentityError as error:
            dispatcher.utter_message(response="utter_link_problem", problem=error.message_fr)
            return {"link_proof": None}
        except Exception:  # noqa: BLE001
            logger.exception("linking failed")
            dispatcher.utter_message(response="utter_curriculum_unavailable")
            return {"link_proof": None}

    async def validate_link_email_code(self, value, dispatcher, tracker, domain):
        try:
            identity.check_email_code(db(), tracker.sender_id, str(value or ""))
        except identity.IdentityError as error:
            dispatcher.utter_message(response="utter_link_problem", problem=error.message_fr)
            return {"link_email_code": None}
        return {"link_email_code": "ok"}


class ActionLinkDone(Action):
    def name(self) -> str:
        return "action_link_done"

    async def run(self, dispatcher, tracker, domain):
        if person_of(tracker) is None:
            dispatcher.utter_message(response="utter_link_failed", buttons=[LINK_BUTTON])
        else:
            dispatcher.utter_message(response="utter_link_done", buttons=[WHERE_AM_I_BUTTON, CONTINUE_BUTTON])
        return [SlotSet("link_proof", None), SlotSet("link_email_code", None)]
