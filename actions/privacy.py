""""Quelles données avez-vous sur moi ?" and "supprimez mes données"."""
from __future__ import annotations

import logging

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from bot import identity
from bot.domain import personal_slots
from bot.privacy import erase_data, export_data
from bot.privacy.links import export_url, link_lifetime
from bot.privacy.readable import YOU
from bot.storage.db import get_database
from bot.transcripts import TrackerReader

logger = logging.getLogger(__name__)

# Every slot that may hold something the person typed: flagged in the domain
# (``config: personal_slots`` of each domain/<topic>.yml).
PERSONAL_SLOTS = list(personal_slots())
SORRY = "Désolé, je n'ai pas pu traiter votre demande. Réessayez dans quelques minutes."


class ActionMyData(Action):
    def name(self) -> str:
        return "action_my_data"

    async def run(self, dispatcher, tracker, domain):
        db = get_database()
        reader = TrackerReader()
        try:
            document = export_data(db, reader, tracker.sender_id)
        except Exception:  # noqa: BLE001
            logger.exception("export failed")
            dispatcher.utter_message(text=SORRY)
            return []
        finally:
            reader.dispose()
        lines = []
        if "person" in document:
            p = document["person"]
            lines.append(f"- vos coordonnées : {p['first_name']} {p['last_name']}, {p['email']}"
                         + (f", {p['phone']}" if p.get("phone") else ""))
            lines.append(f"- vos inscriptions aux réunions : {len(document.get('bookings') or [])}")
            lines.append(f"- votre parcours de formation : {len((document.get('training') or {}).get('modules') or [])} module(s)")
        lines.append(f"- vos messages avec moi : {sum(1 for m in document['messages'] if m['from'] == YOU)}")
        lines.append(f"- vos demandes de contact : {len(document['handoff_requests'])}")
        lines.append(f"- vos vérifications d'éligibilité : {len(document['eligibility_outcomes'])}")
        text = ("Voici ce que nous gardons vous concernant :\n" + "\n".join(lines)
                + f"\nTout le détail, lisible et imprimable, avec vos conversations (lien valable "
                  f"{link_lifetime().total_seconds() / 3600:g} h ; la page donne aussi un fichier JSON) : "
                  f"{export_url(db, tracker.sender_id, page=True)}")
        buttons = [{"title": "Supprimer mes données", "payload": "/erase_my_data"}]
        if "person" not in document:
            text += ("\nSi vous nous avez donné vos coordonnées dans une autre conversation, reliez "
                     "d'abord votre dossier avec votre e-mail.")
            buttons.append({"title": "Relier mon dossier", "payload": "/link_account"})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskEraseConfirmed(Action):
    def name(self) -> str:
        return "action_ask_erase_confirmed"

    async def run(self, dispatcher, tracker, domain):
        person = identity.linked_person(get_database(), tracker.sender_id, proven_only=False)
        what = ("vos coordonnées, vos inscriptions à venir (elles seront annulées), votre parcours "
                "de formation, vos demandes et nos conversations" if person is not None
                else "nos échanges dans cette conversation, vos demandes et vos vérifications")
        dispatcher.utter_message(
            text=f"Je vais effacer définitivement {what}. Confirmez-vous ?",
            buttons=[{"title": "Oui, tout effacer", "payload": "Oui"}, {"title": "Non", "payload": "Non"}])
        return []


class ActionEraseData(Action):
    def name(self) -> str:
        return "action_erase_data"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("erase_confirmed") is not True:
            dispatcher.utter_message(text="D'accord, je ne supprime rien.")
            return [SlotSet("erase_confirmed", None)]
        reader = TrackerReader()
        try:
            erase_data(get_database(), reader, tracker.sender_id)
        except Exception:  # noqa: BLE001
            logger.exception("erasure failed")
            dispatcher.utter_message(text=SORRY)
            return [SlotSet("erase_confirmed", None)]
        finally:
            reader.dispose()
        dispatcher.utter_message(text="C'est fait : vos données ont été effacées. Vous pouvez continuer à "
                                      "me poser vos questions, de façon anonyme.")
        return [SlotSet(slot, None) for slot in PERSONAL_SLOTS + ["erase_confirmed"]]
