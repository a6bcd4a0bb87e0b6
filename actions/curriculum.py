"""Training follow-up in the chat: link the account, where I stand, next objective,
self-checks, "j'ai terminé", and the two calculators (thin adapters over
bot.curriculum and bot.identity)."""
from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import identity
from bot.curriculum import calculators as calc
from bot.curriculum import service
from bot.curriculum.modules import Objective, objective
from bot.storage.db import get_database
from bot.storage.models import IN_PROGRESS

logger = logging.getLogger(__name__)

LINK_BUTTON = {"title": "Relier mon dossier", "payload": "/link_account"}
SORRY = "Désolé, je n'arrive pas à accéder à votre parcours pour le moment. Réessayez dans quelques minutes."
EMAIL = re.compile(r"\S+@\S+")


def db():
    return get_database()


def person_of(tracker: Tracker) -> Optional[int]:
    return identity.linked_person(db(), tracker.sender_id)


def ask_to_link(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text="Pour suivre votre parcours, reliez d'abord cette conversation à votre dossier : avec le "
             "code donné par votre conseiller, ou avec votre adresse e-mail.",
        buttons=[LINK_BUTTON])


# --------------------------------------------------------------------------- linking


class ValidateLinkForm(FormValidationAction):
    def name(self) -> str:
        return "validate_link_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if EMAIL.search(tracker.get_slot("link_proof") or ""):
            return ["link_proof", "link_email_code"]
        return ["link_proof"]

    async def validate_link_proof(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip()
        try:
            if EMAIL.search(text):
                address = identity.send_email_code(db(), tracker.sender_id, EMAIL.search(text).group(0))
                dispatcher.utter_message(
                    text=f"Si {address} correspond à un dossier, un code à 6 chiffres vient d'y être "
                         "envoyé (valable 15 minutes). Tapez-le ici.")
                return {"link_proof": address}
            identity.link_with_coach_code(db(), tracker.sender_id, text)
            return {"link_proof": "coach_code"}
        except identity.IdentityError as error:
            dispatcher.utter_message(text=error.message_fr)
            return {"link_proof": None}
        except Exception:  # noqa: BLE001
            logger.exception("linking failed")
            dispatcher.utter_message(text=SORRY)
            return {"link_proof": None}

    async def validate_link_email_code(self, value, dispatcher, tracker, domain):
        try:
            identity.check_email_code(db(), tracker.sender_id, str(value or ""))
        except identity.IdentityError as error:
            dispatcher.utter_message(text=error.message_fr)
            return {"link_email_code": None}
        return {"link_email_code": "ok"}


class ActionLinkDone(Action):
    def name(self) -> str:
        return "action_link_done"

    async def run(self, dispatcher, tracker, domain):
        if person_of(tracker) is None:
            dispatcher.utter_message(text="La liaison n'a pas abouti. Vous pourrez réessayer quand vous voulez.",
                                     buttons=[LINK_BUTTON])
        else:
            dispatcher.utter_message(
                text="C'est fait : cette conversation est reliée à votre dossier.",
                buttons=[{"title": "Où j'en suis ?", "payload": "/where_am_i"},
                         {"title": "On continue", "payload": "/continue_training"}])
        return [SlotSet("link_proof", None), SlotSet("link_email_code", None)]


# --------------------------------------------------------------------------- progress


class ActionWhereAmI(Action):
    def name(self) -> str:
        return "action_where_am_i"

    async def run(self, dispatcher, tracker, domain):
        person = person_of(tracker)
        if person is None:
            ask_to_link(dispatcher)
            return []
        progress = service.person_progress(db(), person)
        buttons = [{"title": "On continue", "payload": "/continue_training"}] if any(
            m["next"] for m in progress["modules"]) else []
        dispatcher.utter_message(text=service.where_i_stand(progress), buttons=buttons)
        return []


def check_payload(objective_id: str, question: int, choice: int) -> str:
    return "/answer_check" + json.dumps({"check_answer": f"{objective_id}:{question}:{choice}"})


def ask_question(dispatcher: CollectingDispatcher, obj: Objective, index: int) -> None:
    question = obj.self_check[index]
    dispatcher.utter_message(
        text=f"Question {index + 1}/{len(obj.self_check)} : {question.question}",
        buttons=[{"title": choice, "payload": check_payload(obj.id, index, n)}
                 for n, choice in enumerate(question.choices)])


CALCULATOR_BUTTONS = {
    "break_even": {"title": "Calculer mon seuil de rentabilité", "payload": "/break_even_calc"},
    "cash_need": {"title": "Calculer mon besoin de trésorerie", "payload": "/cash_need_calc"},
}


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
            dispatcher.utter_message(text="Vous avez terminé tous vos objectifs, bravo !" if progress["modules"]
                                     else service.where_i_stand(progress))
            return []
        service.start_objective(db(), person, obj.id)
        text = (f"Objectif : {obj.title} (environ {obj.estimated_minutes} min)\n{obj.explanation}\n\n"
                f"Exercice : {obj.exercise}")
        buttons = [CALCULATOR_BUTTONS[obj.calculator]] if obj.calculator else []
        dispatcher.utter_message(text=text, buttons=buttons)
        dispatcher.utter_message(text="Vérifiez vos acquis avec quelques questions.")
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
            objective_id, question, choice = str(tracker.get_slot("check_answer") or "").split(":")
            feedback = service.answer_self_check(db(), person, objective_id, int(question), int(choice))
        except (ValueError, KeyError):
            dispatcher.utter_message(text="Je n'ai pas retrouvé cette question. Dites « on continue » pour reprendre.")
            return [SlotSet("check_answer", None)]
        except service.ProgressError as error:
            dispatcher.utter_message(text=error.message_fr)
            return [SlotSet("check_answer", None)]
        dispatcher.utter_message(text=("✔ " if feedback.correct else "✘ ") + feedback.text)
        obj = objective(objective_id)
        if feedback.next_question is not None:
            ask_question(dispatcher, obj, feedback.next_question)
        else:
            dispatcher.utter_message(
                text=f"Score : {feedback.score}/{len(obj.self_check)}. Quand vous aurez fait l'exercice, "
                     "dites-moi que vous avez terminé.",
                buttons=[{"title": "J'ai terminé cet objectif", "payload": "/objective_done"},
                         {"title": "Où j'en suis ?", "payload": "/where_am_i"}])
        return [SlotSet("check_answer", None)]


def current_objective(person: int) -> Optional[str]:
    for mod in service.person_progress(db(), person)["modules"]:
        for obj in mod["objectives"]:
            if obj["status"] == IN_PROGRESS:
                return obj["id"]
    return None


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
        objective_id = named.id if named else current_objective(person)
        if objective_id is None:
            dispatcher.utter_message(text="De quel objectif parlez-vous ? Dites par exemple "
                                          "« j'ai terminé le seuil de rentabilité ».")
            return []
        try:
            obj = service.complete_objective(db(), person, objective_id)
        except service.ProgressError as error:
            dispatcher.utter_message(text=error.message_fr)
            return []
        dispatcher.utter_message(
            text=f"Bravo, « {obj.title} » est terminé ! Votre conseiller pourra le valider.",
            buttons=[{"title": "On continue", "payload": "/continue_training"},
                     {"title": "Où j'en suis ?", "payload": "/where_am_i"}])
        return []


# --------------------------------------------------------------------------- calculators


def _amount(slot: str, value: Any, dispatcher: CollectingDispatcher, allow_skip: bool = False
            ) -> dict[str, Any]:
    text = str(value or "").strip()
    if allow_skip and _skipped(text):
        return {slot: "-"}
    try:
        amount = calc.parse_amount(text)
    except calc.CalculatorError as error:
        dispatcher.utter_message(text=error.args[0])
        return {slot: None}
    if amount < 0:
        dispatcher.utter_message(text="Tapez un montant positif, s'il vous plaît.")
        return {slot: None}
    return {slot: str(amount)}


SKIP_WORDS = ("passer", "je ne sais pas", "je sais pas", "sais pas", "jsp", "ne sais pas", "non",
              "aucune idée", "?")


def _skipped(text: str) -> bool:
    return text.strip().lower().rstrip(" .!") in SKIP_WORDS


def _rate(slot: str, value: Any, dispatcher: CollectingDispatcher, allow_skip: bool = False) -> dict[str, Any]:
    text = str(value or "")
    if allow_skip and _skipped(text):
        return {slot: "-"}
    try:
        return {slot: str(calc.parse_rate(text))}
    except calc.CalculatorError as error:
        dispatcher.utter_message(text=error.args[0])
        return {slot: None}


class ValidateBreakEvenForm(FormValidationAction):
    def name(self) -> str:
        return "validate_break_even_form"

    async def validate_be_fixed_costs(self, value, dispatcher, tracker, domain):
        return _amount("be_fixed_costs", value, dispatcher)

    async def validate_be_variable_rate(self, value, dispatcher, tracker, domain):
        return _rate("be_variable_rate", value, dispatcher)

    async def validate_be_contribution_rate(self, value, dispatcher, tracker, domain):
        return _rate("be_contribution_rate", value, dispatcher, allow_skip=True)

    async def validate_be_monthly_pay(self, value, dispatcher, tracker, domain):
        return _amount("be_monthly_pay", value, dispatcher)

    async def validate_be_monthly_turnover(self, value, dispatcher, tracker, domain):
        return _amount("be_monthly_turnover", value, dispatcher, allow_skip=True)


CALC_SLOTS = ["be_fixed_costs", "be_variable_rate", "be_contribution_rate", "be_monthly_pay",
              "be_monthly_turnover", "cash_inflows", "cash_outflows"]


def contribution_of(slot_value: Optional[str]) -> tuple[Decimal, Optional[str]]:
    """The rate to use and, when the person did not know theirs, the sentence that says so."""
    if slot_value in (None, "-"):
        return calc.PRUDENT_CONTRIBUTION, (
            f"Vous ne connaissez pas le taux de votre CAE : je compte {calc.percent(calc.PRUDENT_CONTRIBUTION)} "
            f"de la marge brute, le haut de la fourchette ({calc.CONTRIBUTION_SOURCES}). "
            "Cela dépend de la CAE ; renseignez-vous auprès de la vôtre.")
    return Decimal(slot_value), None


class ActionBreakEven(Action):
    def name(self) -> str:
        return "action_break_even"

    async def run(self, dispatcher, tracker, domain):
        try:
            monthly = tracker.get_slot("be_monthly_turnover")
            contribution, assumed = contribution_of(tracker.get_slot("be_contribution_rate"))
            result = calc.break_even(
                Decimal(tracker.get_slot("be_fixed_costs")),
                variable_cost_rate=Decimal(tracker.get_slot("be_variable_rate")),
                contribution_rate=contribution,
                monthly_pay=Decimal(tracker.get_slot("be_monthly_pay") or 0),
                monthly_turnover=Decimal(monthly) if monthly not in (None, "-") else None)
        except (calc.CalculatorError, TypeError, ArithmeticError) as error:
            dispatcher.utter_message(text=error.args[0] if isinstance(error, calc.CalculatorError)
                                     else "Il me manque un chiffre : recommençons le calcul.")
            return [SlotSet(s, None) for s in CALC_SLOTS]
        intro = "Votre seuil de rentabilité, pas à pas :\n"
        if assumed:
            intro = assumed + "\n\n" + intro
        dispatcher.utter_message(text=intro + result.explanation())
        return [SlotSet(s, None) for s in CALC_SLOTS]


class ValidateCashNeedForm(FormValidationAction):
    def name(self) -> str:
        return "validate_cash_need_form"

    async def validate_cash_inflows(self, value, dispatcher, tracker, domain):
        return self._months("cash_inflows", value, dispatcher)

    async def validate_cash_outflows(self, value, dispatcher, tracker, domain):
        result = self._months("cash_outflows", value, dispatcher)
        inflows = (tracker.get_slot("cash_inflows") or "").split(";")
        if result["cash_outflows"] is not None and len(result["cash_outflows"].split(";")) != len(inflows):
            dispatcher.utter_message(text=f"J'ai {len(inflows)} mois d'encaissements : donnez le même "
                                          "nombre de mois de décaissements.")
            return {"cash_outflows": None}
        return result

    @staticmethod
    def _months(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        try:
            amounts = calc.parse_amounts(str(value or ""))
        except calc.CalculatorError as error:
            dispatcher.utter_message(text=error.args[0])
            return {slot: None}
        if any(a < 0 for a in amounts):
            dispatcher.utter_message(text="Tapez les montants sans signe moins, s'il vous plaît.")
            return {slot: None}
        return {slot: ";".join(str(a) for a in amounts)}


class ActionCashNeed(Action):
    def name(self) -> str:
        return "action_cash_need"

    async def run(self, dispatcher, tracker, domain):
        try:
            inflows = [Decimal(v) for v in (tracker.get_slot("cash_inflows") or "").split(";")]
            outflows = [Decimal(v) for v in (tracker.get_slot("cash_outflows") or "").split(";")]
            result = calc.cash_need(inflows, outflows)
        except (calc.CalculatorError, ArithmeticError) as error:
            dispatcher.utter_message(text=error.args[0] if isinstance(error, calc.CalculatorError)
                                     else "Il me manque des chiffres : recommençons le calcul.")
            return [SlotSet(s, None) for s in CALC_SLOTS]
        dispatcher.utter_message(text="Votre besoin de trésorerie, pas à pas :\n" + result.explanation())
        return [SlotSet(s, None) for s in CALC_SLOTS]
