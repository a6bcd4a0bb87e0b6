""""Quelles données avez-vous sur moi ?" and "supprimez mes données" (thin adapters
over bot.privacy; the wording is in the domain's responses)."""
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
            dispatcher.utter_message(response="utter_privacy_failed")
            return []
        finally:
            reader.dispose()
        held = {"messages": sum(1 for m in document["messages"] if m["from"] == YOU),
                "handoff_requests": len(document["handoff_requests"]),
                "eligibility_checks": len(document["eligibility_outcomes"]),
                "link_hours": f"{link_lifetime().total_seconds() / 3600:g}",
                "export_url": export_url(db, tracker.sender_id, page=True)}
        if "person" in document:
            p = document["person"]
            held.update(contact=f"{p['first_name']} {p['last_name']}, {p['email']}"
                                + (f", {p['phone']}" if p.get("phone") else ""),
                        bookings=len(document.get("bookings") or []),
                        modules=len((document.get("training") or {}).get("modules") or []))
            dispatcher.utter_message(response="utter_my_data_person", **held)
        else:
            dispatcher.utter_message(response="utter_my_data_anonymous", **held)
        return []


class ActionAskEraseConfirmed(Action):
    def name(self) -> str:
        return "action_ask_erase_confirmed"

    async def run(self, dispatcher, tracker, domain):
        person = identity.linked_person(get_database(), tracker.sender_id, proven_only=False)
        dispatcher.utter_message(
            response="utter_ask_erase_linked" if person is not None else "utter_ask_erase_anonymous")
        return []


class ActionEraseData(Action):
    def name(self) -> str:
        return "action_erase_data"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("erase_confirmed") is not True:
            dispatcher.utter_message(response="utter_erase_cancelled")
            return [SlotSet("erase_confirmed", None)]
        reader = TrackerReader()
        try:
            erase_data(get_database(), reader, tracker.sender_id)
        except Exception:  # noqa: BLE001
            logger.exception("erasure failed")
            dispatcher.utter_message(response="utter_privacy_failed")
            return [SlotSet("erase_confirmed", None)]
        finally:
            reader.dispose()
        dispatcher.utter_message(response="utter_erase_done")
        return [SlotSet(slot, None) for slot in PERSONAL_SLOTS + ["erase_confirmed"]]
