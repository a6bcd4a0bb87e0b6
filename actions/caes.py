"""Network mode: "y a-t-il une CAE près de chez moi ?", "une CAE bâtiment dans le 69";
and "quels sont vos horaires ?" (the conversation's CAE's opening hours)."""
from __future__ import annotations

import logging

from rasa_sdk import Action

from actions import handoff
from bot.caes.chat import all_profiles, profile_of
from bot.caes.network import find, listing, parse_query, session_buttons, specialism_name
from bot.caes.profiles import hours_text
from bot.dates import PARIS

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


class ActionCaeHours(Action):
    """"Quels sont vos horaires ?": the conversation's CAE's opening hours (its
    profile, bot/caes/hours.py) and whether someone is there now; no hours known
    (network mode, a profile without them): says so."""

    def name(self) -> str:
        return "action_cae_hours"

    async def run(self, dispatcher, tracker, domain):
        try:
            profile = profile_of(tracker.get_slot("cae"))
            today = handoff.now_utc().astimezone(PARIS).date()  # the handoff's clock, injected in the tests
            hours = hours_text(profile, today) if profile else None
        except Exception:  # noqa: BLE001 - never fails the turn: hours unknown
            logger.exception("could not read the CAE's opening hours")
            profile, hours = None, None
        if not hours:
            dispatcher.utter_message(response="utter_cae_hours_unknown")
            return []
        when = handoff.who_answers(tracker)
        response = {"open": "utter_cae_hours", "later": "utter_cae_hours_closed_until"}.get(
            when.timing, "utter_cae_hours_closed")
        dispatcher.utter_message(response=response, cae_name=profile.name, cae_hours=hours,
                                 reply_when=when.reply_when)
        return []
