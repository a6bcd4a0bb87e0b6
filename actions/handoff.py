"""Talk to a person: a request in the coaches' inbox, with contact details only
if given, and what the assistant understood (bot/handoff.py; the wording is in
the domain's responses)."""
from __future__ import annotations

import logging
from typing import Optional

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from bot.caes.chat import cae_id_of
from bot.handoff import (KNOWN_CONTACT, NO_CONTACT, USE_KNOWN_WORDS, conversation_context, create_request,
                         linked_contact, masked_contact, parse_contact)
from bot.storage.db import get_database

logger = logging.getLogger(__name__)

# The follow-ups after the request, by who the person is.
WHERE_AM_I_BUTTON = {"title": "Où en suis-je ?", "payload": "/where_am_i"}
CHANGE_BOOKING_BUTTON = {"title": "Changer de réunion", "payload": "/change_booking"}
BOOK_BUTTON = {"title": "M'inscrire à une réunion", "payload": "/book_session"}


def known_contact(tracker) -> Optional[dict]:
    """The contact held for this conversation's person, if any (never fails the turn)."""
    try:
        return linked_contact(get_database(), tracker.sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("could not read the linked person")
        return None


class ActionAskHandoffContact(Action):
    """The handoff's contact question; a person whose record holds an address is
    offered to use it rather than asked to type it again."""

    def name(self) -> str:
        return "action_ask_handoff_contact"

    async def run(self, dispatcher, tracker, domain):
        known = known_contact(tracker)
        if not known:
            dispatcher.utter_message(response="utter_ask_handoff_contact")
            return []
        dispatcher.utter_message(
            response="utter_ask_handoff_known_email" if known.get("email") else "utter_ask_handoff_known_phone",
            masked_contact=masked_contact(known))
        return []


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_contact(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip()
        if USE_KNOWN_WORDS.match(text) and known_contact(tracker):
            return {"handoff_contact": KNOWN_CONTACT}
        contact = parse_contact(text)
        if contact is None:
            dispatcher.utter_message(response="utter_handoff_contact_not_understood")
            return {"handoff_contact": None}
        # The whole answer when it holds a contact: the action keeps the rest as a note.
        return {"handoff_contact": text[:400] if contact else NO_CONTACT}


class ActionHandoffRequest(Action):
    def name(self) -> str:
        return "action_handoff_request"

    async def run(self, dispatcher, tracker, domain):
        answer = str(tracker.get_slot("handoff_contact") or NO_CONTACT)
        known = known_contact(tracker)
        if answer == KNOWN_CONTACT and known:
            contact = {"email": known.get("email")} if known.get("email") else {"phone": known.get("phone")}
        else:
            contact = parse_contact(answer) or {}
        email, phone = contact.get("email"), contact.get("phone")
        channel = (tracker.get_latest_input_channel() or None)
        context = conversation_context(tracker.current_slot_values(), tracker.events,
                                       person_name=(known or {}).get("name"))
        try:
            create_request(get_database(), tracker.sender_id, channel, context.get("question", ""),
                           email=email, phone=phone, note=contact.get("note"),
                           name=(known or {}).get("name") if (email or phone) else None, context=context,
                           cae_id=cae_id_of(tracker.get_slot("cae")))
        except Exception:  # noqa: BLE001
            logger.exception("could not store the handoff request")
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet("handoff_contact", None)]
        # Follow-ups that fit who the person is: no information session for
        # someone already booked or already in a CAE (a proven link).
        in_a_cae = bool(known and known.get("proven"))
        booked = context.get("booking") == "booked" or bool(known)
        if email or phone:
            response = "utter_handoff_sent"
        elif booked or in_a_cae:
            response = "utter_handoff_sent_anonymous_known"
        else:
            response = "utter_handoff_sent_anonymous"
        if in_a_cae:
            buttons = [WHERE_AM_I_BUTTON]
        elif booked:
            buttons = [CHANGE_BOOKING_BUTTON]
        else:
            buttons = [BOOK_BUTTON]
        dispatcher.utter_message(response=response, buttons=buttons)
        return [SlotSet("handoff_contact", None)]
