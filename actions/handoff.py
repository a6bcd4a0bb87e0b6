"""Talk to a person: a request in the coaches' inbox, with contact details only
if given, and what the assistant understood (bot/handoff.py)."""
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
        where = "cette adresse" if known.get("email") else "ce numéro"
        dispatcher.utter_message(
            text=("Je transmets votre demande à un chargé d'accompagnement de la CAE. Il peut vous "
                  f"recontacter à {where}, que vous nous avez déjà donné : {masked_contact(known)}. "
                  "Répondez « oui » pour cela, tapez un autre e-mail ou téléphone, "
                  "ou « non » et il lira simplement notre échange."),
            buttons=[{"title": f"Oui, à {where}", "payload": "oui"},
                     {"title": "Rester anonyme", "payload": "non"}])
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
            dispatcher.utter_message(text="Je n'ai pas reconnu d'adresse e-mail ni de numéro. "
                                          "Tapez l'un ou l'autre, ou « non » pour rester anonyme.")
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
            dispatcher.utter_message(text="Désolé, je n'ai pas pu transmettre votre demande. "
                                          "Réessayez dans quelques minutes.")
            return [SlotSet("handoff_contact", None)]
        # Follow-ups that fit who the person is: no information session for
        # someone already booked or already in a CAE (a proven link).
        in_a_cae = bool(known and known.get("proven"))
        booked = context.get("booking") == "booked" or bool(known)
        if email or phone:
            text = ("C'est transmis : un chargé d'accompagnement de la CAE va lire notre échange et "
                    "vous recontacter. En attendant, je reste à votre disposition.")
        elif booked or in_a_cae:
            text = ("C'est transmis : un chargé d'accompagnement lira notre échange. Sans coordonnées, "
                    "il ne pourra pas vous recontacter ici ; vous pourrez lui en parler de vive voix.")
        else:
            text = ("C'est transmis : un chargé d'accompagnement lira notre échange. Comme vous "
                    "n'avez pas laissé de coordonnées, il ne pourra pas vous recontacter : pensez "
                    "à vous inscrire à une réunion d'information pour le rencontrer.")
        if in_a_cae:
            buttons = [{"title": "Où en suis-je ?", "payload": "/where_am_i"}]
        elif booked:
            buttons = [{"title": "Changer de réunion", "payload": "/change_booking"}]
        else:
            buttons = [{"title": "M'inscrire à une réunion", "payload": "/book_session"}]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("handoff_contact", None)]
