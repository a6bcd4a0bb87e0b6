"""Talk to a person: a request in the coaches' inbox, with contact details only if given."""
from __future__ import annotations

import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from bot.caes.chat import cae_id_of
from bot.handoff import NO_CONTACT, create_request, parse_contact
from bot.storage.db import get_database

logger = logging.getLogger(__name__)


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_contact(self, value, dispatcher, tracker, domain):
        contact = parse_contact(str(value or ""))
        if contact is None:
            dispatcher.utter_message(text="Je n'ai pas reconnu d'adresse e-mail ni de numéro. "
                                          "Tapez l'un ou l'autre, ou « non » pour rester anonyme.")
            return {"handoff_contact": None}
        # The whole answer when it holds a contact: the action keeps the rest as a note.
        return {"handoff_contact": str(value).strip()[:400] if contact else NO_CONTACT}


def last_words(tracker) -> str:
    """What the person said just before asking for a human (their actual question)."""
    said = [(e.get("text") or "", ((e.get("parse_data") or {}).get("intent") or {}).get("name"))
            for e in tracker.events if e.get("event") == "user"]
    asked = max((i for i, (_, intent) in enumerate(said) if intent == "human_handoff"), default=len(said))
    for text, _ in reversed(said[:asked]):
        if text and not text.startswith("/"):
            return text
    return ""


class ActionHandoffRequest(Action):
    def name(self) -> str:
        return "action_handoff_request"

    async def run(self, dispatcher, tracker, domain):
        contact = parse_contact(str(tracker.get_slot("handoff_contact") or NO_CONTACT)) or {}
        email, phone = contact.get("email"), contact.get("phone")
        channel = (tracker.get_latest_input_channel() or None)
        try:
            create_request(get_database(), tracker.sender_id, channel, last_words(tracker),
                           email=email, phone=phone, note=contact.get("note"),
                           cae_id=cae_id_of(tracker.get_slot("cae")))
        except Exception:  # noqa: BLE001
            logger.exception("could not store the handoff request")
            dispatcher.utter_message(text="Désolé, je n'ai pas pu transmettre votre demande. "
                                          "Réessayez dans quelques minutes.")
            return [SlotSet("handoff_contact", None)]
        if email or phone:
            text = ("C'est transmis : un chargé d'accompagnement de la CAE va lire notre échange et "
                    "vous recontacter. En attendant, je reste à votre disposition.")
        else:
            text = ("C'est transmis : un chargé d'accompagnement lira notre échange. Comme vous "
                    "n'avez pas laissé de coordonnées, il ne pourra pas vous recontacter : pensez "
                    "à vous inscrire à une réunion d'information pour le rencontrer.")
        dispatcher.utter_message(text=text, buttons=[
            {"title": "M'inscrire à une réunion", "payload": "/book_session"}])
        return [SlotSet("handoff_contact", None)]
