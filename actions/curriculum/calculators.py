"""The two calculators of the training follow-up: break-even point and cash
need (thin adapters over bot.curriculum.calculators; answers read by
bot/curriculum/dialogue.py, wording in the domain's responses)."""
from __future__ import annotations

from decimal import Decimal

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.curriculum import calculators as calc
from bot.curriculum.dialogue import (CALC_SLOTS, Reading, assumed_fill, contribution_of, read_amount,
                                     read_months, read_rate)


def slot_from(slot: str, reading: Reading, dispatcher: CollectingDispatcher) -> dict[str, object]:
    """The slot's value; a refused answer says why (then the form asks again)."""
    if reading.response:
        dispatcher.utter_message(response=reading.response, **reading.fill)
    return {slot: reading.value}


def emptied() -> list[dict[str, object]]:
    return [SlotSet(s, None) for s in CALC_SLOTS]


class ValidateBreakEvenForm(FormValidationAction):
    def name(self) -> str:
        return "validate_break_even_form"

    async def validate_be_fixed_costs(self, value, dispatcher, tracker, domain):
        return slot_from("be_fixed_costs", read_amount(value), dispatcher)

    async def validate_be_variable_rate(self, value, dispatcher, tracker, domain):
        return slot_from("be_variable_rate", read_rate(value), dispatcher)

    async def validate_be_contribution_rate(self, value, dispatcher, tracker, domain):
        return slot_from("be_contribution_rate", read_rate(value, allow_skip=True), dispatcher)

    async def validate_be_monthly_pay(self, value, dispatcher, tracker, domain):
        return slot_from("be_monthly_pay", read_amount(value), dispatcher)

    async def validate_be_monthly_turnover(self, value, dispatcher, tracker, domain):
        return slot_from("be_monthly_turnover", read_amount(value, allow_skip=True), dispatcher)


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
        except calc.CalculatorError as error:
            dispatcher.utter_message(response="utter_calculator_problem", problem=error.args[0])
            return emptied()
        except (TypeError, ArithmeticError):
            dispatcher.utter_message(response="utter_break_even_missing")
            return emptied()
        if assumed:
            dispatcher.utter_message(response="utter_break_even_result_assumed", explanation=result.explanation(),
                                     **assumed_fill())
        else:
            dispatcher.utter_message(response="utter_break_even_result", explanation=result.explanation())
        return emptied()


class ValidateCashNeedForm(FormValidationAction):
    def name(self) -> str:
        return "validate_cash_need_form"

    async def validate_cash_inflows(self, value, dispatcher, tracker, domain):
        return slot_from("cash_inflows", read_months(value), dispatcher)

    async def validate_cash_outflows(self, value, dispatcher, tracker, domain):
        months = len((tracker.get_slot("cash_inflows") or "").split(";"))
        return slot_from("cash_outflows", read_months(value, months), dispatcher)


class ActionCashNeed(Action):
    def name(self) -> str:
        return "action_cash_need"

    async def run(self, dispatcher, tracker, domain):
        try:
            inflows = [Decimal(v) for v in (tracker.get_slot("cash_inflows") or "").split(";")]
            outflows = [Decimal(v) for v in (tracker.get_slot("cash_outflows") or "").split(";")]
            result = calc.cash_need(inflows, outflows)
        except calc.CalculatorError as error:
            dispatcher.utter_message(response="utter_calculator_problem", problem=error.args[0])
            return emptied()
        except ArithmeticError:
            dispatcher.utter_message(response="utter_cash_need_missing")
            return emptied()
        dispatcher.utter_message(response="utter_cash_need_result", explanation=result.explanation())
        return emptied()
