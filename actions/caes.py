"""Network mode: "y a-t-il une CAE près de chez moi ?", "une CAE bâtiment dans le 69"."""
from __future__ import annotations

import logging

from rasa_sdk import Action

from bot.caes.chat import all_profiles
from bot.caes.network import find, listing, parse_query, session_buttons, specialism_name

logger = logging.getLogger(__name__)


class ActionFindCae(Action):
    def name(self) -> str:
        return "action_find_cae"

    async def run(self, dispatcher, tracker, domain):
        text = (tracker.latest_message or {}).get("text") or ""
        try:
            profiles = list(all_profiles().values())
        except Exception:  # noqa: BLE001 - no profiles readable: say none is listed
            logger.exception("could not read the CAE profiles")
            profiles = []
        query = parse_query("" if text.startswith("/") else text, profiles)
        specialism = f" ({specialism_name(query.specialism)})" if query.specialism else ""
        found = find(profiles, query)
        if not query.has_place and not query.specialism and found:
            dispatcher.utter_message(response="utter_caes_all", cae_list=listing(found),
                                     buttons=session_buttons(found))
        elif found:
            dispatcher.utter_message(response="utter_caes_found", cae_list=listing(found),
                                     cae_place=query.place_label, cae_specialism=specialism,
                                     buttons=session_buttons(found))
        else:
            dispatcher.utter_message(response="utter_no_cae_found", cae_place=query.place_label,
                                     cae_specialism=specialism)
        return []
