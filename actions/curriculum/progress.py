"""Training follow-up in the chat: where I stand, next objective, self-checks and
"j'ai terminé" (thin adapters over bot.curriculum; the wording is in the
domain's responses, the reading in bot/curriculum/dialogue.py). Linking the
account: actions/linking.py; the calculators: actions/calculators.py."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import identity
from bot.curriculum import service
from bot.curriculum.dialogue import (CALCULATOR_BUTTONS, CONTINUE_BUTTON, DONE_BUTTON, LINK_BUTTON,
                                     WHERE_AM_I_BUTTON, current_objective, question_buttons, question_fill,
                                     read_check_answer)
from bot.curriculum.modules import Objective, objective
from bot.storage.db import get_database

__all__ = ["LINK_BUTTON", "ActionWhereAmI", "ActionNextObjective", "ActionAnswerCheck", "ActionObjectiveDone"]


def db():
    return get_database()


def person_of(tracker: Tracker) -> Optional[int]:
    return identity.linked_person(db(), tracker.sender_id)


def ask_to_link(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_ask_to_link", buttons=[LINK_BUTTON])


def ask_question(dispatcher: CollectingDispatcher, obj: Objective, index: int) -> None:
    dispatcher.utter_message(response="utter_self_check_question", buttons=question_buttons(obj, index),
                             **question_fill(obj, index))


class ActionWhereAmI(Action):
    def name(self) -> str:
        return "action_where_am_i"

    async def run(self, dispatcher, tracker, domain):
        person = person_of(tracker)
        if person is None:
            ask_to_link(dispatcher)
            return []
        progress = service.person_progress(db(), person)
        buttons = [CONTINUE_BUTTON] if any(m["next"] for m in progress["modules"]) else []
        dispatcher.utter_message(response="utter_where_i_stand", progress=service.where_i_stand(progress),
                                 buttons=buttons)
        return []


class ActionNextObjective(Action):
    def name(self) -> str:
        return "action_next_objective"

    async def run(self, dispatcher, tracker, domain):
        person = person_of(tracker)
        if person is None:
            ask_to_link(dispatcher)
            return []
        obj = service.next_objective(db(), person)
        if obj is None:
            progress = service.person_progress(db(), person)
            if progress["modules"]:
                dispatcher.utter_message(response="utter_all_objectives_done")
            else:
                dispatcher.utter_message(response="utter_where_i_stand", progress=service.where_i_stand(progress))
            return []
        service.start_objective(db(), person, obj.id)
        dispatcher.utter_message(response="utter_objective", objective_title=obj.title,
                                 objective_minutes=obj.estimated_minutes, objective_explanation=obj.explanation,
                                 objective_exercise=obj.exercise,
                                 buttons=[CALCULATOR_BUTTONS[obj.calculator]] if obj.calculator else [])
        dispatcher.utter_message(response="utter_self_check_intro")
        ask_question(dispatcher, obj, 0)
        return []


class ActionAnswerCheck(Action):
    def name(self) -> str:
        return "action_answer_check"

    async def run(self, dispatcher, tracker, domain):
        person = person_of(tracker)
        if person is None:
            ask_to_link(dispatcher)
            return [SlotSet("check_answer", None)]
        try:
            objective_id, question, choice = read_check_answer(tracker.get_slot("check_answer"))
            feedback = service.answer_self_check(db(), person, objective_id, question, choice)
        except (ValueError, KeyError):
            dispatcher.utter_message(response="utter_self_check_lost")
            return [SlotSet("check_answer", None)]
        except service.ProgressError as error:
            dispatcher.utter_message(response="utter_progress_problem", problem=error.message_fr)
            return [SlotSet("check_answer", None)]
        dispatcher.utter_message(response="utter_self_check_right" if feedback.correct else "utter_self_check_wrong",
                                 feedback=feedback.text)
        obj = objective(objective_id)
        if feedback.next_question is not None:
            ask_question(dispatcher, obj, feedback.next_question)
        else:
            dispatcher.utter_message(response="utter_self_check_score", score=feedback.score,
                                     question_count=len(obj.self_check), buttons=[DONE_BUTTON, WHERE_AM_I_BUTTON])
        return [SlotSet("check_answer", None)]


class ActionObjectiveDone(Action):
    def name(self) -> str:
        return "action_objective_done"

    async def run(self, dispatcher, tracker, domain):
        person = person_of(tracker)
        if person is None:
            ask_to_link(dispatcher)
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        named = service.match_objective(db(), person, text) if not text.startswith("/") else None
        objective_id = named.id if named else current_objective(db(), person)
        if objective_id is None:
            dispatcher.utter_message(response="utter_which_objective")
            return []
        try:
            obj = service.complete_objective(db(), person, objective_id)
        except service.ProgressError as error:
            dispatcher.utter_message(response="utter_progress_problem", problem=error.message_fr)
            return []
        dispatcher.utter_message(response="utter_objective_done", objective_title=obj.title,
                                 buttons=[CONTINUE_BUTTON, WHERE_AM_I_BUTTON])
        return []
