"""Booking a session: the form's checks, the recap, the booking itself."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.booking.common import (BOOKING_SLOTS, PERSON_SLOTS, SORRY, checked, chosen_session, db,
                                    latest, offered_ids, reset, sessions_for_slot)
from actions.booking.sessions import SessionChoice
from bot.booking import dialogue, service
from bot.booking.errors import BookingError, SessionFull
from bot.booking.links import ics_url

logger = logging.getLogger(__name__)


class ValidateBookingForm(SessionChoice, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("booking_consent") is False:
            return ["booking_where", "booking_session_id", "booking_consent"]
        return domain_slots

    async def validate_booking_consent(self, value, dispatcher, tracker, domain):
        if value is False:
            dispatcher.utter_message(response="utter_booking_consent_refused")
        return {"booking_consent": value}

    async def validate_first_name(self, value, dispatcher, tracker, domain):
        full = dialogue.split_full_name(str(value or ""))
        if full and not tracker.get_slot("last_name"):
            first, last = full
            dispatcher.utter_message(response="utter_full_name_split", first_name=first, last_name=last)
            return {"first_name": first, "last_name": last}
        return checked("first_name", dialogue.clean_name, value, dispatcher, "utter_bad_first_name")

    async def validate_last_name(self, value, dispatcher, tracker, domain):
        return checked("last_name", dialogue.clean_name, value, dispatcher, "utter_bad_last_name")

    async def validate_email(self, value, dispatcher, tracker, domain):
        return checked("email", dialogue.clean_email, value, dispatcher, "utter_bad_email")

    async def validate_phone(self, value, dispatcher, tracker, domain):
        return checked("phone", dialogue.clean_phone, value, dispatcher, "utter_bad_phone")

    async def extract_booking_confirmed(self, dispatcher, tracker, domain):
        """At the recap, a correction that is neither yes nor no ("l'e-mail est
        faux", "plutôt la séance de mardi") still reaches validate_booking_confirmed."""
        text, intent = latest(tracker)
        if tracker.get_slot("requested_slot") != "booking_confirmed" or text.startswith("/") \
                or intent in ("affirm", "deny", "stop", "help"):
            return {}
        return {"booking_confirmed": False} if self._correction(tracker) else {}

    async def validate_booking_confirmed(self, value, dispatcher, tracker, domain):
        """Yes books; a correction changes that field (or asks it again) and the
        recap comes back; a plain "no" asks what to correct. Only "stop" or
        "annuler" abandons (the rule on the intent stop)."""
        if value is True:
            return {"booking_confirmed": True}
        changes = self._correction(tracker)
        if changes:
            dispatcher.utter_message(response="utter_booking_correction", correction=dialogue.correction_message(changes))
            return {**changes, "booking_confirmed": None}
        dispatcher.utter_message(response="utter_booking_what_to_correct")
        return {"booking_confirmed": None}

    @staticmethod
    def _correction(tracker: Tracker) -> dict[str, Any]:
        try:
            sessions = sessions_for_slot(tracker)
        except Exception:  # noqa: BLE001 - the session can still be asked again
            logger.exception("could not list the sessions")
            sessions = []
        return dialogue.read_correction(latest(tracker)[0], offered_ids(tracker), sessions)


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher, tracker, domain):
        session = chosen_session(tracker)
        if session is None:
            dispatcher.utter_message(response="utter_session_gone")
            return [SlotSet("booking_session_id", None)]
        dispatcher.utter_message(
            response="utter_booking_recap",
            recap=dialogue.recap(session, tracker.get_slot("first_name"), tracker.get_slot("last_name"),
                                 tracker.get_slot("email"), tracker.get_slot("phone")))
        return [SlotSet("booking_waitlist", "yes" if session.is_full else None)]


class ActionBookSession(Action):
    """Submit of booking_form, and the waiting-list / other-date buttons after a session
    filled while the person was typing."""

    def name(self) -> str:
        return "action_book_session"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("booking_consent") is False:
            return reset(BOOKING_SLOTS)
        if tracker.get_slot("booking_confirmed") is False:
            dispatcher.utter_message(response="utter_booking_not_confirmed")
            return reset(BOOKING_SLOTS)
        person = {slot: tracker.get_slot(slot) for slot in PERSON_SLOTS}
        if not all(person[s] for s in ("first_name", "last_name", "email")) \
                or tracker.get_slot("booking_consent") is not True:
            return [FollowupAction("booking_form")]
        if person["phone"] == dialogue.NO_PHONE:
            person["phone"] = None
        # The waiting list only if the person saw it offered (recap of a full
        # session, or the button after a session filled while they typed).
        waitlist_ok = tracker.get_slot("booking_waitlist") == "yes"
        try:
            booking = service.book(db(), int(tracker.get_slot("booking_session_id") or 0), person,
                                   consent=True, waitlist_ok=waitlist_ok,
                                   conversation_id=tracker.sender_id)
        except SessionFull as full:
            return self.filled_meanwhile(dispatcher, tracker, full)
        except BookingError as error:
            dispatcher.utter_message(response="utter_booking_refused", error=error.message_fr)
            return reset(BOOKING_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("booking failed")
            dispatcher.utter_message(response=SORRY)
            return []
        dispatcher.utter_message(response="utter_booking_booked",
                                 booked=dialogue.booked_message(booking, ics_url(booking.reference)))
        return reset(BOOKING_SLOTS) + [SlotSet("booking_reference", booking.reference)]

    def filled_meanwhile(self, dispatcher, tracker, full: SessionFull):
        session_id = tracker.get_slot("booking_session_id")
        others = [s for s in sessions_for_slot(tracker) if str(s.id) != str(session_id) and not s.is_full]
        buttons = [dialogue.waitlist_button(session_id)] + dialogue.session_buttons(others)[:4]
        dispatcher.utter_message(response="utter_booking_problem", error=full.message_fr, buttons=buttons)
        # Keep the person's answers: a button click books at once.
        return [SlotSet("booking_session_id", None), SlotSet("booking_waitlist", None)]
