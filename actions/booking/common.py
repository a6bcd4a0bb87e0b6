"""What the booking actions share: the slots they reset, the latest message,
a question typed instead of an answer, the checks of a typed field."""
from __future__ import annotations

from typing import Any, Callable, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import answer_several_questions
from bot.answering import decide_topic
from bot.booking import dialogue, service
from bot.booking.errors import BookingError
from bot.storage.db import get_database

PERSON_SLOTS = ["first_name", "last_name", "email", "phone"]
BOOKING_SLOTS = ["booking_where", "booking_session_id", "booking_offered", "booking_consent",
                 "booking_confirmed", "booking_waitlist", *PERSON_SLOTS]
MANAGE_SLOTS = ["booking_reference", "email", "cancel_confirmed", "booking_where",
                "booking_session_id", "booking_offered"]
# The booking service cannot be reached (database down): said, answers kept.
SORRY = "utter_booking_unavailable"


def db():
    return get_database()


def latest(tracker: Tracker) -> tuple[str, Optional[str]]:
    message = tracker.latest_message or {}
    return message.get("text") or "", (message.get("intent") or {}).get("name")


def answer_question_instead(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question about CAEs typed instead of an answer: answer it (the form asks again)."""
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != "faq":
        return False
    if answer_several_questions(dispatcher, tracker) is not None:
        return True
    topic = decide_topic(message).topic
    if topic:
        dispatcher.utter_message(response=f"utter_faq/{topic}")
        return True
    return False


def checked(slot: str, clean: Callable[[str], Any], value: Any, dispatcher: CollectingDispatcher,
            complaint: str) -> dict[str, Any]:
    """``{slot: cleaned value}``, or ``{slot: None}`` and the complaint (a response) said."""
    cleaned = clean(str(value or ""))
    if cleaned is None:
        dispatcher.utter_message(response=complaint)
    return {slot: cleaned}


def reset(slots: list[str]) -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in dict.fromkeys(slots)]


def offered_ids(tracker: Tracker) -> list[int]:
    return [int(i) for i in tracker.get_slot("booking_offered") or [] if str(i).isdigit()]


def sessions_for_slot(tracker: Tracker) -> list[service.SessionInfo]:
    """The upcoming sessions at the place the person chose (everywhere if none)."""
    where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
    return service.upcoming_sessions(db(), where.query if where else None)


def has_sessions(where: Optional[dialogue.Where]) -> bool:
    if where is None:
        return False
    return bool(service.upcoming_sessions(db(), where.query, limit=1))


def chosen_session(tracker: Tracker) -> Optional[service.SessionInfo]:
    try:
        return service.get_session(db(), int(tracker.get_slot("booking_session_id")))
    except (BookingError, TypeError, ValueError):
        return None


def current_session_id(tracker: Tracker) -> Optional[int]:
    """The session of the booking being changed."""
    try:
        booking = service.find_booking(db(), tracker.get_slot("booking_reference") or "",
                                       tracker.get_slot("email") or "")
    except BookingError:
        return None
    return booking.session.id
