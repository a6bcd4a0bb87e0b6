"""The training follow-up conversation's plain-Python side.

Reading what the person types at the calculators' questions (amounts, rates,
month lists, "je ne sais pas"), the buttons of the self-checks and of the next
steps, and which objective a "j'ai terminé" is about. What the assistant says
lives in the domain's responses (``utter_*``); a refused answer is a
``Reading`` naming the response that explains why. The figures themselves are
computed in bot/curriculum/calculators.py.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from bot.curriculum import calculators as calc
from bot.curriculum import service
from bot.curriculum.modules import Objective
from bot.storage.models import IN_PROGRESS

EMAIL = re.compile(r"\S+@\S+")

LINK_BUTTON = {"title": "Relier mon dossier", "payload": "/link_account"}
WHERE_AM_I_BUTTON = {"title": "Où j'en suis ?", "payload": "/where_am_i"}
CONTINUE_BUTTON = {"title": "On continue", "payload": "/continue_training"}
DONE_BUTTON = {"title": "J'ai terminé cet objectif", "payload": "/objective_done"}
CALCULATOR_BUTTONS = {
    "break_even": {"title": "Calculer mon seuil de rentabilité", "payload": "/break_even_calc"},
    "cash_need": {"title": "Calculer mon besoin de trésorerie", "payload": "/cash_need_calc"},
}

# The calculators' slots, emptied after each result (or a failed calculation).
CALC_SLOTS = ["be_fixed_costs", "be_variable_rate", "be_contribution_rate", "be_monthly_pay",
              "be_monthly_turnover", "cash_inflows", "cash_outflows"]

SKIP_WORDS = ("passer", "je ne sais pas", "je sais pas", "sais pas", "jsp", "ne sais pas", "non",
              "aucune idée", "?")


def find_email(text: str) -> Optional[str]:
    """The e-mail address inside the person's answer, if any."""
    found = EMAIL.search(text or "")
    return found.group(0) if found else None


# --------------------------------------------------------------------------- self-checks


def check_payload(objective_id: str, question: int, choice: int) -> str:
    return "/answer_check" + json.dumps({"check_answer": f"{objective_id}:{question}:{choice}"})


def question_buttons(obj: Objective, index: int) -> list[dict[str, str]]:
    """The choices of the objective's question ``index`` as buttons."""
    return [{"title": choice, "payload": check_payload(obj.id, index, n)}
            for n, choice in enumerate(obj.self_check[index].choices)]


def question_fill(obj: Objective, index: int) -> dict[str, Any]:
    """The variables of ``utter_self_check_question``."""
    return {"question_number": index + 1, "question_count": len(obj.self_check),
            "question": obj.self_check[index].question}


def read_check_answer(value: Any) -> tuple[str, int, int]:
    """``objective:question:choice`` from the slot; ValueError when it is not one."""
    objective_id, question, choice = str(value or "").split(":")
    return objective_id, int(question), int(choice)


def current_objective(db, person: int) -> Optional[str]:
    """The objective the person is working on (the first in progress), if any."""
    for mod in service.person_progress(db, person)["modules"]:
        for obj in mod["objectives"]:
            if obj["status"] == IN_PROGRESS:
                return obj["id"]
    return None


# --------------------------------------------------------------------------- calculators


@dataclass(frozen=True)
class Reading:
    """A calculator answer read: the slot's value (None: asked again) and,
    when refused, the response that says why with its variables."""
    value: Optional[str]
    response: Optional[str] = None
    fill: dict[str, Any] = field(default_factory=dict)


def _problem(error: calc.CalculatorError) -> Reading:
    return Reading(None, "utter_calculator_problem", {"problem": error.args[0]})


def skipped(text: str) -> bool:
    return text.strip().lower().rstrip(" .!") in SKIP_WORDS


def read_amount(value: Any, allow_skip: bool = False) -> Reading:
    text = str(value or "").strip()
    if allow_skip and skipped(text):
        return Reading("-")
    try:
        amount = calc.parse_amount(text)
    except calc.CalculatorError as error:
        return _problem(error)
    if amount < 0:
        return Reading(None, "utter_amount_not_positive")
    return Reading(str(amount))


def read_rate(value: Any, allow_skip: bool = False) -> Reading:
    text = str(value or "")
    if allow_skip and skipped(text):
        return Reading("-")
    try:
        return Reading(str(calc.parse_rate(text)))
    except calc.CalculatorError as error:
        return _problem(error)


def read_months(value: Any, months: Optional[int] = None) -> Reading:
    """Month-by-month amounts, ``;``-separated; ``months``: how many the
    inflows gave (the outflows must give as many)."""
    try:
        amounts = calc.parse_amounts(str(value or ""))
    except calc.CalculatorError as error:
        return _problem(error)
    if any(a < 0 for a in amounts):
        return Reading(None, "utter_amounts_not_positive")
    if months is not None and len(amounts) != months:
        return Reading(None, "utter_cash_months_mismatch", {"months": months})
    return Reading(";".join(str(a) for a in amounts))


def contribution_of(slot_value: Optional[str]) -> tuple[Decimal, bool]:
    """The contribution rate to use, and whether it is the prudent one assumed
    because the person did not know theirs."""
    if slot_value in (None, "-"):
        return calc.PRUDENT_CONTRIBUTION, True
    return Decimal(slot_value), False


def assumed_fill() -> dict[str, str]:
    """The variables of ``utter_break_even_result_assumed``: the prudent rate and its sources."""
    return {"prudent_rate": calc.percent(calc.PRUDENT_CONTRIBUTION),
            "contribution_sources": calc.CONTRIBUTION_SOURCES}
