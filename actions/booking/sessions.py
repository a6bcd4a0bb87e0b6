"""Choosing a session, shared by the booking and change-date forms: the place,
then one of the sessions offered as buttons."""
from __future__ import annotations

import logging
from typing import Optional

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.common import (SORRY, answer_question_instead, current_session_id, db,
                                    has_sessions, latest, offered_ids, sessions_for_slot)
from bot.booking import dialogue, service

logger = logging.getLogger(__name__)


def offer_sessions(dispatcher: CollectingDispatcher, where: Optional[dialogue.Where],
                   exclude: Optional[int] = None, cae: Optional[str] = None) -> list[int]:
    """Say which sessions are coming (as buttons); returns the ids offered. The
    conversation's CAE's sessions come first (bot/caes)."""
    sessions = [s for s in service.upcoming_sessions(db(), where.query if where else None)
                if s.id != exclude]
    sessions, others_only = dialogue.own_cae_only(sessions, cae)
    if not sessions:
        return []
    shown = sessions[:dialogue.MAX_OFFERED]
    all_full = all(s.is_full for s in shown)
    dispatcher.utter_message(response=dialogue.offer_response(cae, others_only, all_full),
                             where_label=where.label if where else "partout",
                             buttons=dialogue.session_buttons(shown))
    return [s.id for s in shown]


class ActionAskBookingWhere(Action):
    def name(self) -> str:
        return "action_ask_booking_where"

    async def run(self, dispatcher, tracker, domain):
        try:
            buttons = dialogue.place_buttons(service.upcoming_sessions(db()), tracker.get_slot("cae"))
        except Exception:  # noqa: BLE001 - the question is still worth asking
            logger.exception("could not list the places")
            buttons = []
        dispatcher.utter_message(response="utter_booking_where_question", buttons=buttons)
        return []


class ActionAskBookingSessionId(Action):
    def name(self) -> str:
        return "action_ask_booking_session_id"

    async def run(self, dispatcher, tracker, domain):
        where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
        exclude = None
        if tracker.active_loop.get("name") == "change_booking_form":
            exclude = current_session_id(tracker)
        try:
            offered = offer_sessions(dispatcher, where, exclude=exclude, cae=tracker.get_slot("cae"))
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(response=SORRY)
            return [SlotSet("booking_offered", [])]
        if not offered:
            dispatcher.utter_message(response="utter_no_upcoming_session")
        return [SlotSet("booking_offered", [str(i) for i in offered])]


class SessionChoice:
    """Shared by the booking and change-date forms: the place, then the session."""

    async def extract_booking_where(self, dispatcher, tracker, domain):
        """A place in the request that starts the form ("... à Rouen"), or a place
        the classifier took for something else ("Lyon" as a question)."""
        text, intent = latest(tracker)
        if intent in ("book_session", "change_booking") and not tracker.get_slot("booking_where"):
            try:
                cities = [s.city for s in service.upcoming_sessions(db()) if s.city]
            except Exception:  # noqa: BLE001 - the form will simply ask
                return {}
            found = dialogue.where_in_sentence(text, cities)
            return {"booking_where": found} if found else {}
        if tracker.get_slot("requested_slot") != "booking_where":
            return {}
        if intent in ("stop", "help") or text.startswith("/"):
            return {}
        where = dialogue.parse_where(text)
        if where is None or intent == "faq" and not has_sessions(where):
            return {}
        return {"booking_where": text}

    async def validate_booking_where(self, value, dispatcher, tracker, domain):
        if answer_question_instead(dispatcher, tracker) and not has_sessions(
                dialogue.parse_where(str(value or ""))):
            return {"booking_where": None}
        where = dialogue.parse_where(str(value or ""))
        if where is None:
            dispatcher.utter_message(response="utter_where_not_understood")
            return {"booking_where": None}
        try:
            found = has_sessions(where)
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(response=SORRY)
            return {"booking_where": None}
        if not found:
            dispatcher.utter_message(response="utter_no_session_there", where_label=where.label)
            return {"booking_where": None}
        return {"booking_where": where.query or dialogue.ANYWHERE}

    async def extract_booking_session_id(self, dispatcher, tracker, domain):
        if tracker.get_slot("requested_slot") != "booking_session_id":
            return {}
        text, intent = latest(tracker)
        if intent in ("stop", "help", "choose_session") or text.startswith("/"):
            return {}
        return {"booking_session_id": text}

    async def validate_booking_session_id(self, value, dispatcher, tracker, domain):
        try:
            sessions = sessions_for_slot(tracker)
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(response=SORRY)
            return {"booking_session_id": None}
        if latest(tracker)[1] == "choose_session":  # a button: the value is the id
            chosen = int(value) if str(value).isdigit() else None
        else:
            chosen = dialogue.choose_session(str(value or ""), offered_ids(tracker), sessions)
        session = next((s for s in sessions if s.id == chosen), None)
        if session is None:
            part = dialogue.part_of_day_named(str(value or ""))
            if part:  # "plutôt en fin de journée" and none of the offered sessions is then
                dispatcher.utter_message(response="utter_no_session_that_part_of_day", part_of_day=part)
            elif not answer_question_instead(dispatcher, tracker):
                dispatcher.utter_message(response="utter_choose_listed_session")
            return {"booking_session_id": None}
        return {"booking_session_id": str(session.id)}
