"""Talk to a person: a request in the coaches' inbox, with contact details only
if given, and what the assistant understood (bot/handoff.py)."""
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

HERE_BUTTON = {"title": "Répondez-moi ici", "payload": "ici"}
ANONYMOUS_BUTTON = {"title": "Rester anonyme", "payload": "non"}


def who_answers(tracker) -> Availability:
    """Whether the conversation's CAE is open now (its profile's hours, the clock
    ``now_utc``); unknown in network mode or when anything fails."""
    try:
        profile = profile_of(tracker.get_slot("cae"))
        return availability(profile.hours if profile else None, now_utc())
    except Exception:  # noqa: BLE001
        logger.exception("could not read the CAE's opening hours")
        return Availability(known=False)


def when_text(when: Availability) -> str:
    """The first sentence outside the hours (or with no hours known)."""
    if not when.known:
        return ("Je transmets votre demande à l'équipe d'accompagnement. Je ne connais pas ses horaires : "
                "je ne peux pas vous dire quand elle vous répondra.")
    if when.reply_when:
        return f"Nous sommes fermés pour le moment : un conseiller vous répondra {when.reply_when}."
    return "Nous sommes fermés pour le moment et je ne connais pas la date de réouverture."


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
        when = who_answers(tracker)
        if not when.open:
            self.ask_outside_hours(dispatcher, when, known)
            return []
        if not known:
            dispatcher.utter_message(response="utter_ask_handoff_contact")
            return []
        where = "cette adresse" if known.get("email") else "ce numéro"
        dispatcher.utter_message(
            text=("Je transmets votre demande à un chargé d'accompagnement de la CAE. Il peut vous "
                  f"recontacter à {where}, que vous nous avez déjà {'donnée' if known.get('email') else 'donné'} : "
                  f"{masked_contact(known)}. "
                  "Répondez « oui » pour cela, tapez un autre e-mail ou téléphone, "
                  "ou « non » et il lira simplement notre échange."),
            buttons=[{"title": f"Oui, à {where}", "payload": "oui"},
                     {"title": "Rester anonyme", "payload": "non"}])
        return []

    @staticmethod
    def ask_outside_hours(dispatcher, when: Availability, known: Optional[dict]) -> None:
        """Closed (or hours unknown): say when, and offer an answer in the chat too."""
        if known:
            where = "cette adresse" if known.get("email") else "ce numéro"
            given = "donnée" if known.get("email") else "donné"
            text = (f"{when_text(when)} Il peut vous recontacter à {where}, que vous nous avez déjà {given} : "
                    f"{masked_contact(known)}. Répondez « oui » pour cela, tapez un autre e-mail ou téléphone, "
                    "choisissez « Répondez-moi ici » pour une réponse dans cette conversation, "
                    "ou « non » et il lira simplement notre échange.")
            buttons = [{"title": f"Oui, à {where}", "payload": "oui"}, HERE_BUTTON, ANONYMOUS_BUTTON]
        else:
            text = (f"{when_text(when)} Pour qu'un conseiller vous réponde, laissez votre e-mail ou votre "
                    "téléphone (il ne servira qu'à cela), ou choisissez « Répondez-moi ici ». "
                    "Sinon, répondez « non » et il lira simplement notre échange.")
            buttons = [HERE_BUTTON, ANONYMOUS_BUTTON]
        dispatcher.utter_message(text=text, buttons=buttons)


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
            here = "" if who_answers(tracker).open else ", « ici » pour une réponse dans cette conversation"
            dispatcher.utter_message(text="Je n'ai pas reconnu d'adresse e-mail ni de numéro. "
                                          f"Tapez l'un ou l'autre{here}, ou « non » pour rester anonyme.")
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
            dispatcher.utter_message(text="Désolé, je n'ai pas pu transmettre votre demande. "
                                          "Réessayez dans quelques minutes.")
            return [SlotSet("handoff_contact", None)]
        # The coaches' e-mail, off the event loop (SMTP may be slow); never raises.
        await asyncio.get_running_loop().run_in_executor(None, announce, get_database(), request_id)
        # Follow-ups that fit who the person is: no information session for
        # someone already booked or already in a CAE (a proven link).
        in_a_cae = bool(known and known.get("proven"))
        booked = context.get("booking") == "booked" or bool(known)
        text = self.confirmation(when, bool(email or phone), here, booked or in_a_cae)
        if in_a_cae:
            buttons = [{"title": "Où en suis-je ?", "payload": "/where_am_i"}]
        elif booked:
            buttons = [{"title": "Changer de réunion", "payload": "/change_booking"}]
        else:
            buttons = [{"title": "M'inscrire à une réunion", "payload": "/book_session"}]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("handoff_contact", None)]

    @staticmethod
    def confirmation(when: Availability, contact: bool, here: bool, known_person: bool) -> str:
        """The answer once the request is stored: today's wording within the hours;
        outside them, when someone will reply (or that nobody can say)."""
        later = f" {when.reply_when}" if when.reply_when and not when.open else ""
        unsure = not when.known or (not when.open and not when.reply_when)
        if here:
            if unsure:
                return ("C'est transmis : un conseiller vous répondra ici, dans cette conversation, "
                        "dès que possible ; je ne peux pas vous dire quand. Revenez-y plus tard : "
                        "sa réponse s'affichera ici.")
            if when.open:
                return ("C'est transmis : un conseiller va lire notre échange et vous répondre ici, "
                        "dans cette conversation. En attendant, je reste à votre disposition.")
            return (f"C'est transmis : un conseiller vous répondra ici, dans cette conversation,{later}. "
                    "Revenez-y à ce moment-là : sa réponse s'affichera ici.")
        if contact:
            if unsure:
                return ("C'est transmis : un chargé d'accompagnement va lire notre échange et vous "
                        "recontacter ; je ne peux pas vous dire quand. En attendant, je reste à votre disposition.")
            if not when.open:
                return (f"C'est transmis : un chargé d'accompagnement de la CAE vous recontactera{later}. "
                        "En attendant, je reste à votre disposition.")
            return ("C'est transmis : un chargé d'accompagnement de la CAE va lire notre échange et "
                    "vous recontacter. En attendant, je reste à votre disposition.")
        if known_person:
            return (f"C'est transmis : un chargé d'accompagnement lira notre échange{later}. Sans coordonnées, "
                    "il ne pourra pas vous recontacter ici ; vous pourrez lui en parler de vive voix.")
        return (f"C'est transmis : un chargé d'accompagnement lira notre échange{later}. Comme vous "
                "n'avez pas laissé de coordonnées, il ne pourra pas vous recontacter : pensez "
                "à vous inscrire à une réunion d'information pour le rencontrer.")
