"""A booking already made: cancel it, move it to another date, or stop a booking form."""
from __future__ import annotations

import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from actions.booking.common import (BOOKING_SLOTS, MANAGE_SLOTS, SORRY, answer_question_instead,
                                    checked, chosen_session, db, reset)
from actions.booking.sessions import SessionChoice
from bot.booking import dialogue, service
from bot.booking.errors import BookingError
from bot.booking.links import ics_url
from bot.booking.texts import format_when

logger = logging.getLogger(__name__)


class ManageBooking:
    async def validate_booking_reference(self, value, dispatcher, tracker, domain):
        reference = dialogue.clean_reference(str(value or ""))
        if reference is None:
            if not answer_question_instead(dispatcher, tracker):
                dispatcher.utter_message(response="utter_reference_not_understood")
        return {"booking_reference": reference}

    async def validate_email(self, value, dispatcher, tracker, domain):
        email = checked("email", dialogue.clean_email, value, dispatcher, "utter_bad_email")["email"]
        if email is None:
            return {"email": None}
        try:
            booking = service.find_booking(db(), tracker.get_slot("booking_reference") or "", email)
        except BookingError:
            dispatcher.utter_message(response="utter_booking_not_found")
            return {"email": None, "booking_reference": None}
        except Exception:  # noqa: BLE001
            logger.exception("could not find the booking")
            dispatcher.utter_message(response=SORRY)
            return {"email": None}
        if booking.status == "cancelled":
            dispatcher.utter_message(response="utter_booking_already_cancelled")
            return {"email": None, "booking_reference": None}
        return {"email": email}


class ValidateCancelBookingForm(ManageBooking, FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_booking_form"


class ActionAskCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(self, dispatcher, tracker, domain):
        try:
            booking = service.find_booking(db(), tracker.get_slot("booking_reference") or "",
                                           tracker.get_slot("email") or "")
        except BookingError as error:
            dispatcher.utter_message(response="utter_booking_problem", error=error.message_fr)
            return [SlotSet("booking_reference", None), SlotSet("email", None)]
        s = booking.session
        dispatcher.utter_message(response="utter_cancel_question",
                                 when=format_when(s.starts_at, s.ends_at), cae_name=s.cae_name)
        return []


class ActionCancelBooking(Action):
    def name(self) -> str:
        return "action_cancel_booking"

    async def run(self, dispatcher, tracker, domain):
        reference, email = tracker.get_slot("booking_reference"), tracker.get_slot("email")
        if tracker.get_slot("cancel_confirmed") is not True or not reference or not email:
            if tracker.get_slot("cancel_confirmed") is False and reference and email:
                dispatcher.utter_message(response="utter_booking_kept")
            return reset(MANAGE_SLOTS)
        try:
            service.cancel(db(), reference, email)
        except BookingError as error:
            dispatcher.utter_message(response="utter_booking_problem", error=error.message_fr)
            return reset(MANAGE_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("cancel failed")
            dispatcher.utter_message(response=SORRY)
            return []
        dispatcher.utter_message(response="utter_booking_cancelled", reference=reference)
        return reset(MANAGE_SLOTS)


class ValidateChangeBookingForm(ManageBooking, SessionChoice, FormValidationAction):
    def name(self) -> str:
        return "validate_change_booking_form"


class ActionChangeBooking(Action):
    def name(self) -> str:
        return "action_change_booking"

    async def run(self, dispatcher, tracker, domain):
        reference, email = tracker.get_slot("booking_reference"), tracker.get_slot("email")
        session_id = tracker.get_slot("booking_session_id")
        if not reference or not email or not str(session_id or "").isdigit():
            return reset(MANAGE_SLOTS)
        target = chosen_session(tracker)
        try:
            result = service.change_date(db(), reference, email, int(session_id),
                                         waitlist_ok=bool(target and target.is_full))
        except BookingError as error:
            dispatcher.utter_message(response="utter_booking_problem", error=error.message_fr)
            return reset(MANAGE_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("change failed")
            dispatcher.utter_message(response=SORRY)
            return []
        booking = result.booking
        dispatcher.utter_message(response="utter_booking_moved",
                                 booked=dialogue.booked_message(booking, ics_url(booking.reference)))
        return reset(MANAGE_SLOTS)


class ActionStopBooking(Action):
    """"Stop" inside one of the booking forms: end it and forget the answers."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_booking_stopped")
        return reset(BOOKING_SLOTS + MANAGE_SLOTS)
