"""Talk to a person: a request in the coaches' inbox, with contact details only
if given, and what the assistant understood (bot/handoff.py); outside the CAE's
opening hours (bot/caes/hours.py), when someone will reply and an answer "ici"
in the chat. The wording is in the domain's responses (domain/handoff.yml)."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from bot.booking.service import now_utc
from bot.caes.chat import cae_id_of, profile_of
from bot.caes.hours import Availability, availability
from bot.handoff import (KNOWN_CONTACT, NO_CONTACT, REPLY_HERE, REPLY_HERE_WORDS, USE_KNOWN_WORDS,
                         conversation_context, create_request, linked_contact, masked_contact, parse_contact)
from bot.handoff_notices import announce
from bot.storage.db import get_database

logger = logging.getLogger(__name__)

# The follow-ups after the request, by who the person is.
WHERE_AM_I_BUTTON = {"title": "Où en suis-je ?", "payload": "/where_am_i"}
CHANGE_BOOKING_BUTTON = {"title": "Changer de réunion", "payload": "/change_booking"}
BOOK_BUTTON = {"title": "M'inscrire à une réunion", "payload": "/book_session"}
# Outside the hours, the first sentence: when someone will reply, by ``Availability.timing``.
CLOSED_NOTICE = {"later": "utter_handoff_closed_until", "unsure": "utter_handoff_closed_unsure",
                 "unknown": "utter_handoff_hours_unknown"}
# The contact question, by (the contact the person's record holds, open now).
ASK_CONTACT = {(None, True): "utter_ask_handoff_contact", (None, False): "utter_ask_handoff_contact_closed",
               ("email", True): "utter_ask_handoff_known_email",
               ("email", False): "utter_ask_handoff_known_email_closed",
               ("phone", True): "utter_ask_handoff_known_phone",
               ("phone", False): "utter_ask_handoff_known_phone_closed"}


def who_answers(tracker) -> Availability:
    """Whether the conversation's CAE is open now (its profile's hours, the clock
    ``now_utc``); unknown in network mode or when anything fails."""
    try:
        profile = profile_of(tracker.get_slot("cae"))
        return availability(profile.hours if profile else None, now_utc())
    except Exception:  # noqa: BLE001
        logger.exception("could not read the CAE's opening hours")
        return Availability(known=False)


def closed_notice_given(events: list) -> bool:
    """Whether this request already said when someone will reply: the question
    asked again after an answer it did not understand says it once, not twice."""
    for event in reversed(events):
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in CLOSED_NOTICE.values():
            return True
        if event.get("event") == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") \
                == "human_handoff":
            return False
        if event.get("event") == "active_loop" and event.get("name") == "handoff_form":
            return False
    return False


def known_contact(tracker) -> Optional[dict]:
    """The contact held for this conversation's person, if any (never fails the turn)."""
    try:
        return linked_contact(get_database(), tracker.sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("could not read the linked person")
        return None


class ActionAskHandoffContact(Action):
    """The handoff's contact question; a person whose record holds an address is
    offered to use it rather than asked to type it again. Outside the hours (or
    with none known): when someone will reply first, and "Répondez-moi ici" too."""

    def name(self) -> str:
        return "action_ask_handoff_contact"

    async def run(self, dispatcher, tracker, domain):
        known = known_contact(tracker)
        when = who_answers(tracker)
        if not when.open and not closed_notice_given(tracker.events):
            dispatcher.utter_message(response=CLOSED_NOTICE[when.timing], reply_when=when.reply_when)
        kind = None if not known else "email" if known.get("email") else "phone"
        dispatcher.utter_message(response=ASK_CONTACT[kind, when.open],
                                 masked_contact=masked_contact(known) if known else None)
        return []


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_contact(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip()
        if USE_KNOWN_WORDS.match(text) and known_contact(tracker):
            return {"handoff_contact": KNOWN_CONTACT}
        if REPLY_HERE_WORDS.match(text):
            return {"handoff_contact": REPLY_HERE}
        contact = parse_contact(text)
        if contact is None:
            dispatcher.utter_message(response="utter_handoff_contact_not_understood" if who_answers(tracker).open
                                     else "utter_handoff_contact_not_understood_here")
            return {"handoff_contact": None}
        # The whole answer when it holds a contact: the action keeps the rest as a note.
        return {"handoff_contact": text[:400] if contact else NO_CONTACT}


class ActionHandoffRequest(Action):
    def name(self) -> str:
        return "action_handoff_request"

    async def run(self, dispatcher, tracker, domain):
        answer = str(tracker.get_slot("handoff_contact") or NO_CONTACT)
        known = known_contact(tracker)
        when = who_answers(tracker)
        here = answer == REPLY_HERE
        if here:
            contact = {}
        elif answer == KNOWN_CONTACT and known:
            contact = {"email": known.get("email")} if known.get("email") else {"phone": known.get("phone")}
        else:
            contact = parse_contact(answer) or {}
        email, phone = contact.get("email"), contact.get("phone")
        channel = (tracker.get_latest_input_channel() or None)
        context = conversation_context(tracker.current_slot_values(), tracker.events,
                                       person_name=(known or {}).get("name"))
        if here:
            context["reply"] = REPLY_HERE
        if when.known and not when.open:
            context["outside_hours"] = "yes"
            if when.opening:
                context["reply_from"] = when.opening.isoformat()
        try:
            request_id = create_request(get_database(), tracker.sender_id, channel, context.get("question", ""),
                                        email=email, phone=phone, note=contact.get("note"),
                                        name=(known or {}).get("name") if (email or phone) else None,
                                        context=context, cae_id=cae_id_of(tracker.get_slot("cae")))
        except Exception:  # noqa: BLE001
            logger.exception("could not store the handoff request")
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet("handoff_contact", None)]
        # The coaches' e-mail, off the event loop (SMTP may be slow); never raises.
        await asyncio.get_running_loop().run_in_executor(None, announce, get_database(), request_id)
        # Follow-ups that fit who the person is: no information session for
        # someone already booked or already in a CAE (a proven link).
        in_a_cae = bool(known and known.get("proven"))
        booked = context.get("booking") == "booked" or bool(known)
        if in_a_cae:
            buttons = [WHERE_AM_I_BUTTON]
        elif booked:
            buttons = [CHANGE_BOOKING_BUTTON]
        else:
            buttons = [BOOK_BUTTON]
        dispatcher.utter_message(response=self.confirmation(when, bool(email or phone), here, booked or in_a_cae),
                                 reply_when=when.reply_when, buttons=buttons)
        return [SlotSet("handoff_contact", None)]

    @staticmethod
    def confirmation(when: Availability, contact: bool, here: bool, known_person: bool) -> str:
        """The response once the request is stored: today's wording within the
        hours; outside them, when someone will reply (or that nobody can say)."""
        timing = when.timing  # open, later, unsure or unknown
        if here:
            return {"open": "utter_handoff_sent_here", "later": "utter_handoff_sent_here_later"}.get(
                timing, "utter_handoff_sent_here_unsure")
        if contact:
            return {"open": "utter_handoff_sent", "later": "utter_handoff_sent_later"}.get(
                timing, "utter_handoff_sent_unsure")
        if known_person:
            return "utter_handoff_sent_anonymous_known_later" if timing == "later" else "utter_handoff_sent_anonymous_known"
        return "utter_handoff_sent_anonymous_later" if timing == "later" else "utter_handoff_sent_anonymous"
