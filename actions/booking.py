"""Information sessions in the chat: book, cancel, change date (thin adapters
over bot.booking; the wording and parsing live in bot/booking/dialogue.py)."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.faq import answer_several_questions
from bot.answering import decide_topic
from bot.booking import dialogue, service
from bot.booking.errors import BookingError, SessionFull
from bot.booking.links import ics_url
from bot.booking.texts import format_when
from bot.storage.db import get_database

logger = logging.getLogger(__name__)

PERSON_SLOTS = ["first_name", "last_name", "email", "phone"]
BOOKING_SLOTS = ["booking_where", "booking_session_id", "booking_offered", "booking_consent",
                 "booking_confirmed", "booking_waitlist", *PERSON_SLOTS]
MANAGE_SLOTS = ["booking_reference", "email", "cancel_confirmed", "booking_where",
                "booking_session_id", "booking_offered"]
SORRY = ("Désolé, je n'arrive pas à joindre le service des inscriptions pour le moment. "
         "Réessayez dans quelques minutes, vos réponses sont gardées.")


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


def offer_sessions(dispatcher: CollectingDispatcher, where: Optional[dialogue.Where],
                   exclude: Optional[int] = None, cae: Optional[str] = None) -> list[int]:
    """Say which sessions are coming (as buttons); returns the ids offered. The
    conversation's CAE's sessions come first (bot/caes)."""
    sessions = [s for s in service.upcoming_sessions(db(), where.query if where else None)
                if s.id != exclude]
    sessions, others_only = own_cae_only(sessions, cae)
    if not sessions:
        return []
    shown = sessions[:dialogue.MAX_OFFERED]
    label = where.label if where else "partout"
    free = [s for s in shown if not s.is_full]
    text = f"Voici les prochaines réunions ({label}). Laquelle vous convient ?"
    if cae and not others_only:  # only the conversation's CAE's sessions: say so
        text = f"Voici les prochaines réunions de votre CAE ({label}). Laquelle vous convient ?"
    if others_only:
        text = (f"Votre CAE n'a pas de réunion prévue ({label}) ; voici celles d'autres CAE. "
                "Laquelle vous convient ?")
    if not free:
        text += " Elles sont toutes complètes : vous pouvez vous inscrire sur liste d'attente."
    dispatcher.utter_message(text=text, buttons=dialogue.session_buttons(shown))
    return [s.id for s in shown]


def own_cae_first(sessions: list, cae: Optional[str]) -> list:
    """The conversation's CAE's sessions first, the others after (stable)."""
    return sorted(sessions, key=lambda s: s.cae_slug != cae) if cae else sessions


def own_cae_only(sessions: list, cae: Optional[str]) -> tuple[list, bool]:
    """With the conversation's CAE known, only its sessions; other CAEs' ones
    only when the person asked for a place or date where it has none (then
    ``True``, said in the text). Network mode: every session."""
    if not cae:
        return sessions, False
    own = [s for s in sessions if s.cae_slug == cae]
    return (own, False) if own else (sessions, bool(sessions))


def where_buttons(cae: Optional[str] = None) -> list[dict[str, str]]:
    cities: dict[str, str] = {}
    video = False
    for session in own_cae_first(service.upcoming_sessions(db()), cae):
        if session.is_video:
            video = True
        elif session.city and session.city not in cities:
            cities[session.city] = session.city
    buttons = [{"title": city, "payload": city} for city in list(cities)[:5]]
    if video:
        buttons.append({"title": "En visio", "payload": "En visio"})
    buttons.append({"title": "Peu importe", "payload": "Peu importe"})
    return buttons


class ActionAskBookingWhere(Action):
    def name(self) -> str:
        return "action_ask_booking_where"

    async def run(self, dispatcher, tracker, domain):
        try:
            buttons = where_buttons(tracker.get_slot("cae"))
        except Exception:  # noqa: BLE001 - the question is still worth asking
            logger.exception("could not list the places")
            buttons = []
        dispatcher.utter_message(
            text="Où souhaitez-vous assister à la réunion ? Indiquez une ville ou un "
                 "département, ou choisissez la visio.", buttons=buttons)
        return []


class ActionAskBookingSessionId(Action):
    def name(self) -> str:
        return "action_ask_booking_session_id"

    async def run(self, dispatcher, tracker, domain):
        where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
        exclude = None
        if tracker.active_loop.get("name") == "change_booking_form":
            exclude = _current_session_id(tracker)
        try:
            offered = offer_sessions(dispatcher, where, exclude=exclude, cae=tracker.get_slot("cae"))
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(text=SORRY)
            return [SlotSet("booking_offered", [])]
        if not offered:
            dispatcher.utter_message(text="Il n'y a plus de réunion à venir pour le moment. "
                                          "Tapez « stop » pour arrêter.")
        return [SlotSet("booking_offered", [str(i) for i in offered])]


def _current_session_id(tracker: Tracker) -> Optional[int]:
    try:
        booking = service.find_booking(db(), tracker.get_slot("booking_reference") or "",
                                       tracker.get_slot("email") or "")
    except BookingError:
        return None
    return booking.session.id


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
        if where is None or intent == "faq" and not _has_sessions(where):
            return {}
        return {"booking_where": text}

    async def validate_booking_where(self, value, dispatcher, tracker, domain):
        if answer_question_instead(dispatcher, tracker) and not _has_sessions(
                dialogue.parse_where(str(value or ""))):
            return {"booking_where": None}
        where = dialogue.parse_where(str(value or ""))
        if where is None:
            dispatcher.utter_message(text="Je n'ai pas compris le lieu. Indiquez une ville, un "
                                          "numéro de département (par exemple 76) ou « visio ».")
            return {"booking_where": None}
        try:
            found = _has_sessions(where)
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(text=SORRY)
            return {"booking_where": None}
        if not found:
            dispatcher.utter_message(
                text=f"Je n'ai pas de réunion prévue {where.label} pour le moment. Essayez une "
                     "autre ville, la visio, ou « peu importe » pour voir toutes les dates.")
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
        offered = [int(i) for i in tracker.get_slot("booking_offered") or [] if str(i).isdigit()]
        try:
            where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
            sessions = service.upcoming_sessions(db(), where.query if where else None)
        except Exception:  # noqa: BLE001
            logger.exception("could not list the sessions")
            dispatcher.utter_message(text=SORRY)
            return {"booking_session_id": None}
        if latest(tracker)[1] == "choose_session":  # a button: the value is the id
            chosen = int(value) if str(value).isdigit() else None
        else:
            chosen = dialogue.choose_session(str(value or ""), offered, sessions)
        session = next((s for s in sessions if s.id == chosen), None)
        if session is None:
            if not answer_question_instead(dispatcher, tracker):
                dispatcher.utter_message(text="Choisissez une date dans la liste, s'il vous plaît "
                                              "(ou tapez son numéro : 1, 2…).")
            return {"booking_session_id": None}
        return {"booking_session_id": str(session.id)}


def _has_sessions(where: Optional[dialogue.Where]) -> bool:
    if where is None:
        return False
    return bool(service.upcoming_sessions(db(), where.query, limit=1))


def _session(tracker: Tracker) -> Optional[service.SessionInfo]:
    try:
        return service.get_session(db(), int(tracker.get_slot("booking_session_id")))
    except (BookingError, TypeError, ValueError):
        return None


class ValidateBookingForm(SessionChoice, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("booking_consent") is False:
            return ["booking_where", "booking_session_id", "booking_consent"]
        return domain_slots

    async def validate_booking_consent(self, value, dispatcher, tracker, domain):
        if value is False:
            dispatcher.utter_message(
                text="C'est noté : je ne garde aucune donnée. Sans vos coordonnées, je ne peux "
                     "pas vous inscrire, mais vous pouvez toujours me poser vos questions ou "
                     "vérifier votre projet de façon anonyme.")
        return {"booking_consent": value}

    async def validate_first_name(self, value, dispatcher, tracker, domain):
        full = dialogue.split_full_name(str(value or ""))
        if full and not tracker.get_slot("last_name"):
            first, last = full
            dispatcher.utter_message(
                text=f"J'ai noté {first} comme prénom et {last} comme nom de famille. Si ce "
                     "n'est pas ça, vous pourrez le corriger au récapitulatif (par exemple "
                     f"« mon prénom c'est {first} {last} »).")
            return {"first_name": first, "last_name": last}
        return checked("first_name", dialogue.clean_name, value, dispatcher, BAD_NAME.format("prénom"))

    async def validate_last_name(self, value, dispatcher, tracker, domain):
        return checked("last_name", dialogue.clean_name, value, dispatcher, BAD_NAME.format("nom"))

    async def validate_email(self, value, dispatcher, tracker, domain):
        return checked("email", dialogue.clean_email, value, dispatcher, BAD_EMAIL)

    async def validate_phone(self, value, dispatcher, tracker, domain):
        return checked("phone", dialogue.clean_phone, value, dispatcher, BAD_PHONE)

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
            dispatcher.utter_message(text=dialogue.correction_message(changes))
            return {**changes, "booking_confirmed": None}
        dispatcher.utter_message(text=dialogue.WHAT_TO_CORRECT)
        return {"booking_confirmed": None}

    @staticmethod
    def _correction(tracker: Tracker) -> dict[str, Any]:
        text = latest(tracker)[0]
        offered = [int(i) for i in tracker.get_slot("booking_offered") or [] if str(i).isdigit()]
        try:
            where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
            sessions = service.upcoming_sessions(db(), where.query if where else None)
        except Exception:  # noqa: BLE001 - the session can still be asked again
            logger.exception("could not list the sessions")
            sessions = []
        return dialogue.read_correction(text, offered, sessions)


BAD_NAME = "Je n'ai pas compris votre {}. Tapez-le simplement, en lettres (100 caractères au plus)."
BAD_EMAIL = ("Cette adresse e-mail ne semble pas valide. Pouvez-vous la vérifier "
             "(par exemple prenom.nom@exemple.fr) ?")
BAD_PHONE = ("Je n'ai pas reconnu ce numéro. Tapez-le sous la forme 06 12 34 56 78, "
             "ou répondez « non » pour ne pas en donner.")


def checked(slot: str, clean, value: Any, dispatcher: CollectingDispatcher,
            complaint: str) -> dict[str, Any]:
    """``{slot: cleaned value}``, or ``{slot: None}`` and the complaint said."""
    cleaned = clean(str(value or ""))
    if cleaned is None:
        dispatcher.utter_message(text=complaint)
    return {slot: cleaned}


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher, tracker, domain):
        session = _session(tracker)
        if session is None:
            dispatcher.utter_message(text="Cette réunion n'est plus disponible. Choisissons-en une autre.")
            return [SlotSet("booking_session_id", None)]
        dispatcher.utter_message(
            text=dialogue.recap(session, tracker.get_slot("first_name"), tracker.get_slot("last_name"),
                                tracker.get_slot("email"), tracker.get_slot("phone")),
            buttons=[{"title": "Oui, je confirme", "payload": "Oui"},
                     {"title": "Non", "payload": "Non"}])
        return [SlotSet("booking_waitlist", "yes" if session.is_full else None)]


def _reset(slots: list[str]) -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in dict.fromkeys(slots)]


class ActionBookSession(Action):
    """Submit of booking_form, and the waiting-list / other-date buttons after a session
    filled while the person was typing."""

    def name(self) -> str:
        return "action_book_session"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("booking_consent") is False:
            return _reset(BOOKING_SLOTS)
        if tracker.get_slot("booking_confirmed") is False:
            dispatcher.utter_message(text="D'accord, je n'enregistre rien. Vous pourrez vous "
                                          "inscrire quand vous voulez.",
                                     buttons=[{"title": "M'inscrire à une réunion",
                                               "payload": "/book_session"}])
            return _reset(BOOKING_SLOTS)
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
            dispatcher.utter_message(text=error.message_fr,
                                     buttons=[{"title": "Choisir une autre date",
                                               "payload": "/book_session"}])
            return _reset(BOOKING_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("booking failed")
            dispatcher.utter_message(text=SORRY)
            return []
        dispatcher.utter_message(text=dialogue.booked_message(booking, ics_url(booking.reference)))
        return _reset(BOOKING_SLOTS) + [SlotSet("booking_reference", booking.reference)]

    def filled_meanwhile(self, dispatcher, tracker, full: SessionFull):
        session_id = tracker.get_slot("booking_session_id")
        where = dialogue.where_from_slot(tracker.get_slot("booking_where"))
        others = [s for s in service.upcoming_sessions(db(), where.query if where else None)
                  if str(s.id) != str(session_id) and not s.is_full]
        buttons = [{"title": "Liste d'attente",
                    "payload": '/choose_session{"session_id": "%s", "booking_waitlist": "yes"}'
                               % session_id}]
        buttons += dialogue.session_buttons(others)[:4]
        dispatcher.utter_message(text=full.message_fr, buttons=buttons)
        # Keep the person's answers: a button click books at once.
        return [SlotSet("booking_session_id", None), SlotSet("booking_waitlist", None)]


# --------------------------------------------------------------------------- cancel / change


class ManageBooking:
    async def validate_booking_reference(self, value, dispatcher, tracker, domain):
        reference = dialogue.clean_reference(str(value or ""))
        if reference is None:
            if not answer_question_instead(dispatcher, tracker):
                dispatcher.utter_message(text="Je n'ai pas reconnu la référence. Elle ressemble à "
                                              "RI-7K3P9Q et figure dans l'e-mail de confirmation.")
        return {"booking_reference": reference}

    async def validate_email(self, value, dispatcher, tracker, domain):
        email = checked("email", dialogue.clean_email, value, dispatcher, BAD_EMAIL)["email"]
        if email is None:
            return {"email": None}
        try:
            booking = service.find_booking(db(), tracker.get_slot("booking_reference") or "", email)
        except BookingError:
            dispatcher.utter_message(
                text="Je ne trouve pas d'inscription avec cette référence et cette adresse "
                     "e-mail. Vérifiez-les dans votre e-mail de confirmation et réessayons.")
            return {"email": None, "booking_reference": None}
        except Exception:  # noqa: BLE001
            logger.exception("could not find the booking")
            dispatcher.utter_message(text=SORRY)
            return {"email": None}
        if booking.status == "cancelled":
            dispatcher.utter_message(text="Cette inscription est déjà annulée. Si vous avez une "
                                          "autre référence, tapez-la ; sinon, tapez « stop ».")
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
            dispatcher.utter_message(text=error.message_fr)
            return [SlotSet("booking_reference", None), SlotSet("email", None)]
        s = booking.session
        dispatcher.utter_message(
            text=f"Voulez-vous vraiment annuler votre inscription à la réunion du "
                 f"{format_when(s.starts_at, s.ends_at)} ({s.cae_name}) ?",
            buttons=[{"title": "Oui, annuler", "payload": "Oui"}, {"title": "Non", "payload": "Non"}])
        return []


class ActionCancelBooking(Action):
    def name(self) -> str:
        return "action_cancel_booking"

    async def run(self, dispatcher, tracker, domain):
        reference, email = tracker.get_slot("booking_reference"), tracker.get_slot("email")
        if tracker.get_slot("cancel_confirmed") is not True or not reference or not email:
            if tracker.get_slot("cancel_confirmed") is False and reference and email:
                dispatcher.utter_message(text="D'accord, votre inscription est maintenue.")
            return _reset(MANAGE_SLOTS)
        try:
            service.cancel(db(), reference, email)
        except BookingError as error:
            dispatcher.utter_message(text=error.message_fr)
            return _reset(MANAGE_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("cancel failed")
            dispatcher.utter_message(text=SORRY)
            return []
        dispatcher.utter_message(
            text=f"Votre inscription {reference} est annulée, un e-mail de confirmation vous est "
                 "envoyé. Vous pouvez vous réinscrire à une autre date quand vous voulez.",
            buttons=[{"title": "Choisir une autre date", "payload": "/book_session"}])
        return _reset(MANAGE_SLOTS)


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
            return _reset(MANAGE_SLOTS)
        target = _session(tracker)
        try:
            result = service.change_date(db(), reference, email, int(session_id),
                                         waitlist_ok=bool(target and target.is_full))
        except BookingError as error:
            dispatcher.utter_message(text=error.message_fr)
            return _reset(MANAGE_SLOTS)
        except Exception:  # noqa: BLE001
            logger.exception("change failed")
            dispatcher.utter_message(text=SORRY)
            return []
        booking = result.booking
        dispatcher.utter_message(
            text="C'est fait, votre inscription est déplacée.\n"
                 + dialogue.booked_message(booking, ics_url(booking.reference)))
        return _reset(MANAGE_SLOTS)


class ActionStopBooking(Action):
    """"Stop" inside one of the booking forms: end it and forget the answers."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="D'accord, j'arrête là. Rien n'a été enregistré : "
                                      "j'oublie les réponses de cette inscription.",
                                 buttons=[{"title": "M'inscrire à une réunion", "payload": "/book_session"},
                                          {"title": "Ce que je sais faire", "payload": "/help"}])
        return _reset(BOOKING_SLOTS + MANAGE_SLOTS)
