"""The two calculators the objectives need, explained step by step in French.

- Break-even point (seuil de rentabilité): (fixed costs + the pay the person
  wants to draw) ÷ the share of turnover left after variable costs and the CAE
  contribution, in turnover, in units when a unit price is given, and the month
  it is reached for a monthly turnover (only when reached within the year).
- Cash need (besoin de trésorerie): the lowest cumulative balance of monthly
  inflows minus outflows, and the month it happens.

Amounts are Decimal, rounded to the cent only for display.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional, Sequence

from bot.errors import UserError

MAX_AMOUNT = Decimal("1000000000")
MAX_MONTHS = 36


class CalculatorError(UserError, ValueError):
    """Bad figures; the message is French and meant for the person."""


def parse_amount(text: str) -> Decimal:
    """``"12 000"``, ``"12000 €"``, ``"1 234,50"``, ``"12k"`` → Decimal."""
    raw = (text or "").strip().lower().replace("\u202f", " ").replace("\u00a0", " ")
    raw = raw.replace("€", "").replace("euros", "").replace("euro", "").strip()
    factor = Decimal(1)
    if raw.endswith("k"):
        factor, raw = Decimal(1000), raw[:-1].strip()
    raw = raw.replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", raw):  # 12.000,50
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        value = Decimal(raw) * factor
    except InvalidOperation:
        raise CalculatorError(f"Je n'ai pas compris le montant « {text.strip()[:30]} ». "
                              "Tapez un nombre, par exemple 12000 ou 1 500,50.") from None
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise CalculatorError("Ce montant est trop grand pour être réaliste.")
    return value


def parse_amounts(text: str) -> list[Decimal]:
    """Monthly amounts separated by ";", "/", "|", line breaks, or a comma followed
    by a space ("1000, 2000, 3000"); a lone "12 000" stays one amount."""
    parts = [p for p in re.split(r"[;/\n|]+|,\s+", text or "") if p.strip()]
    if not parts:
        raise CalculatorError("Donnez au moins un montant, par exemple : 0 ; 1000 ; 3000.")
    if len(parts) > MAX_MONTHS:
        raise CalculatorError(f"Au plus {MAX_MONTHS} mois, s'il vous plaît.")
    return [parse_amount(p) for p in parts]


def euros(value: Decimal) -> str:
    """``12 345,60 €`` (French format)."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "−" if rounded < 0 else ""
    whole, cents = f"{abs(rounded):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return f"{sign}{grouped} €" if cents == "00" else f"{sign}{grouped},{cents} €"


def percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):n}".replace(".", ",").rstrip("0").rstrip(",") + " %"


# Said with every result: the calculator only estimates, the CAE's accounting knows.
ESTIMATE_NOTE = ("Ce calcul est une estimation à partir de vos chiffres : c'est la comptabilité de votre "
                 "CAE qui calcule les chiffres réels.")

# The CAE contribution as the seeds give it (shown when the rate is asked; the
# deployment's own rate will come from a CAE profile later).
CONTRIBUTION_SOURCES = (
    "le plus souvent entre 8 et 15 % de la marge brute selon une note des réseaux de CAE de septembre 2020 ; "
    "entre 10 et 15 % du chiffre d'affaires ou de la marge brute selon une fiche Copea / Coopérer pour "
    "entreprendre (vers 2010) ; 11 % de la marge brute à Scop276 (rapport 2019)")
# Used when the person does not know their CAE's rate: the top of the usual range,
# so that the estimate errs on the prudent side.
PRUDENT_CONTRIBUTION = Decimal("0.15")
YEAR = 12


_PERCENT_MARK = re.compile(r"\s*(%|pour\s*-?\s*cents?|pourcents?|p\.?\s*100|pct)\s*\.?$", re.I)
_NONE_WORDS = ("aucun", "aucune", "rien", "zéro", "zero", "néant", "neant", "0")


def parse_rate(text: str, *, upper: Decimal = Decimal(1)) -> Decimal:
    """A share as people type it: "40 %", "40", "0,5 %", "1%", "12,5 pour cent" → 0.4,
    0.4, 0.005, 0.01, 0.125. A bare number below 1 ("0,4") is ambiguous (0,4 % or
    40 %?) and refused with a question rather than guessed."""
    raw = (text or "").strip().lower().replace("\u202f", " ").replace("\u00a0", " ")
    if raw in _NONE_WORDS:
        return Decimal(0)
    marked = bool(_PERCENT_MARK.search(raw))
    number = _PERCENT_MARK.sub("", raw).strip()
    try:
        value = parse_amount(number)
    except CalculatorError:
        raise CalculatorError(f"Je n'ai pas compris « {text.strip()[:30]} ». Tapez un pourcentage, "
                              "par exemple 40 % ou 12,5 %.") from None
    if value < 0:
        raise CalculatorError("Un pourcentage ne peut pas être négatif.")
    if not marked and 0 < value < 1:
        shown = f"{value:f}".replace(".", ",")
        raise CalculatorError(f"Voulez-vous dire {shown} % ou {percent(value)} ? "
                              "Tapez-le avec le signe %, par exemple « 40 % ».")
    rate = value / 100
    if rate >= upper:
        raise CalculatorError(f"Donnez une part entre 0 et {percent(upper)} exclus, par exemple 40 %.")
    return rate


@dataclass(frozen=True)
class BreakEven:
    fixed_costs: Decimal  # over the year
    margin_rate: Decimal  # share of turnover left after variable costs and the CAE contribution
    turnover: Decimal  # the break-even turnover over the year
    units: Optional[int]  # sales needed, when a unit price is known
    month: Optional[int]  # 1 = first month; None when not reached within the horizon (or not asked)
    steps: tuple[str, ...]
    contribution_rate: Decimal = Decimal(0)
    monthly_pay: Decimal = Decimal(0)  # the pay drawn, social contributions included
    reached: Optional[bool] = None  # None when no monthly turnover was given
    needed_monthly_turnover: Optional[Decimal] = None  # to reach it within the horizon

    def explanation(self) -> str:
        return "\n".join(self.steps)


def _ordinal(n: int) -> str:
    return f"{n}{'er' if n == 1 else 'e'}"


def break_even(fixed_costs: Decimal, *, variable_cost_rate: Optional[Decimal] = None,
               unit_price: Optional[Decimal] = None, unit_variable_cost: Optional[Decimal] = None,
               monthly_turnover: Optional[Decimal] = None, contribution_rate: Decimal = Decimal(0),
               monthly_pay: Decimal = Decimal(0), horizon_months: int = YEAR) -> BreakEven:
    """``variable_cost_rate``: variable costs as a share of turnover (0.4 = 40 %);
    or ``unit_price`` and ``unit_variable_cost``. Fixed costs over the year.

    In a CAE the activity must also pay the cooperative's contribution (a share of
    the gross margin, ``contribution_rate``) and the entrepreneur's own pay with its
    social contributions (``monthly_pay``, the total cost): both are counted, the
    pay as a fixed cost of the year, the contribution as a cut of the margin.

    The month is given only when the cumulated turnover reaches the threshold within
    ``horizon_months`` (the year the fixed costs cover); otherwise the result says
    it is not reached and what would change that."""
    if fixed_costs < 0:
        raise CalculatorError("Les charges fixes ne peuvent pas être négatives.")
    if monthly_pay < 0:
        raise CalculatorError("Le salaire visé ne peut pas être négatif.")
    if not Decimal(0) <= contribution_rate < 1:
        raise CalculatorError("La contribution doit être entre 0 et 99 % de la marge brute.")
    if not 1 <= horizon_months <= MAX_MONTHS:
        raise CalculatorError(f"Donnez une durée entre 1 et {MAX_MONTHS} mois.")
    pay_year = monthly_pay * horizon_months
    to_cover = fixed_costs + pay_year
    steps = [f"1. Vos charges fixes sur l'année : {euros(fixed_costs)}."]
    if monthly_pay:
        steps.append(f"2. Le salaire que vous voulez vous verser, cotisations sociales comprises : "
                     f"{euros(monthly_pay)} × {horizon_months} mois = {euros(pay_year)}. "
                     f"À couvrir en tout : {euros(fixed_costs)} + {euros(pay_year)} = {euros(to_cover)}.")
    else:
        steps.append("2. Vous ne comptez pas de salaire : le calcul ne couvre que vos charges fixes "
                     "(en CAE, votre salaire sort de votre chiffre d'affaires, pensez à l'ajouter).")
    units = None
    unit_margin = None
    if unit_price is not None:
        if unit_variable_cost is None:
            unit_variable_cost = Decimal(0)
        if unit_price <= 0:
            raise CalculatorError("Le prix de vente doit être positif.")
        margin = unit_price - unit_variable_cost
        if margin <= 0:
            raise CalculatorError("Votre coût variable dépasse votre prix de vente : chaque vente "
                                  "vous fait perdre de l'argent, il n'y a pas de seuil à atteindre.")
        gross_rate = margin / unit_price
        steps.append(f"3. Marge brute par vente : {euros(unit_price)} − {euros(unit_variable_cost)} = "
                     f"{euros(margin)}, soit {percent(gross_rate)} du prix.")
        unit_margin = margin * (1 - contribution_rate)
    else:
        if variable_cost_rate is None:
            raise CalculatorError("Il me faut vos coûts variables (en % du chiffre d'affaires) "
                                  "ou votre prix de vente et votre coût par vente.")
        if not Decimal(0) <= variable_cost_rate < 1:
            raise CalculatorError("Les coûts variables doivent être entre 0 et 99 % du chiffre d'affaires.")
        gross_rate = 1 - variable_cost_rate
        steps.append(f"3. Marge brute (ce qui reste après les coûts variables) : 100 % − "
                     f"{percent(variable_cost_rate)} = {percent(gross_rate)} du chiffre d'affaires.")
    rate = gross_rate * (1 - contribution_rate)
    if contribution_rate:
        steps.append(f"4. La contribution à la CAE prend {percent(contribution_rate)} de cette marge : il vous "
                     f"reste {percent(gross_rate)} × (100 % − {percent(contribution_rate)}) = {percent(rate)} "
                     "de chaque euro facturé.")
    else:
        steps.append("4. Sans contribution à la CAE, il vous reste "
                     f"{percent(rate)} de chaque euro facturé.")
    if to_cover == 0:
        steps.append("5. Sans charges fixes ni salaire à couvrir, chaque vente dégage déjà une marge : "
                     "il n'y a pas de seuil à atteindre.")
        steps.append(ESTIMATE_NOTE)
        return BreakEven(fixed_costs, rate, Decimal(0), 0 if unit_price is not None else None,
                         1 if monthly_turnover else None, tuple(steps), contribution_rate, monthly_pay,
                         True if monthly_turnover else None, None)
    turnover = to_cover / rate
    steps.append(f"5. Seuil de rentabilité = somme à couvrir ÷ part qui vous reste = {euros(to_cover)} ÷ "
                 f"{percent(rate)} = {euros(turnover)} de chiffre d'affaires sur l'année.")
    if unit_margin is not None:
        units = math.ceil(to_cover / unit_margin)
        steps.append(f"6. En nombre de ventes : {euros(to_cover)} ÷ {euros(unit_margin)} par vente "
                     f"= {units} ventes (arrondi au-dessus).")
    month = None
    reached = None
    needed = None
    if monthly_turnover is not None:
        if monthly_turnover < 0:
            raise CalculatorError("Le chiffre d'affaires mensuel ne peut pas être négatif.")
        n = len(steps) + 1
        needed = turnover / horizon_months
        if monthly_turnover > 0 and turnover <= monthly_turnover * horizon_months:
            reached = True
            month = max(1, math.ceil(turnover / monthly_turnover))
            steps.append(f"{n}. Avec {euros(monthly_turnover)} par mois, votre chiffre d'affaires cumulé "
                         f"atteint ce seuil au {_ordinal(month)} mois : à partir de là, l'année est couverte.")
        else:
            reached = False
            yearly = monthly_turnover * horizon_months
            steps.append(f"{n}. Avec {euros(monthly_turnover)} par mois, soit {euros(yearly)} sur "
                         f"{horizon_months} mois, vous ne l'atteignez pas : l'activité perd de l'argent "
                         f"chaque mois. Il faudrait facturer au moins {euros(needed)} par mois.")
            covered = yearly * rate  # what this turnover can pay for over the horizon
            if monthly_pay and covered > fixed_costs:
                affordable = (covered - fixed_costs) / horizon_months
                steps.append(f"Autre piste : avec ce chiffre d'affaires et ces charges fixes, le salaire "
                             f"possible (cotisations comprises) serait d'au plus {euros(affordable)} par mois.")
            else:
                steps.append("Autres pistes : réduire vos charges fixes, vos coûts variables, ou "
                             "augmenter vos prix.")
    steps.append("Au-dessus de ce seuil, chaque vente dégage un bénéfice ; en dessous, l'activité perd de l'argent.")
    steps.append(ESTIMATE_NOTE)
    return BreakEven(fixed_costs, rate, turnover, units, month, tuple(steps), contribution_rate,
                     monthly_pay, reached, needed)


@dataclass(frozen=True)
class CashNeed:
    balances: tuple[Decimal, ...]  # cumulative, end of each month
    need: Decimal  # what must be financed (0 if the balance never goes below zero)
    worst_month: Optional[int]  # 1-based
    steps: tuple[str, ...]

    def explanation(self) -> str:
        return "\n".join(self.steps)


def cash_need(inflows: Sequence[Decimal], outflows: Sequence[Decimal],
              starting_cash: Decimal = Decimal(0)) -> CashNeed:
    if len(inflows) != len(outflows):
        raise CalculatorError(f"J'ai {len(inflows)} mois d'encaissements et {len(outflows)} mois de "
                              "décaissements : il faut le même nombre de mois.")
    if not inflows:
        raise CalculatorError("Donnez au moins un mois.")
    if any(v < 0 for v in list(inflows) + list(outflows)):
        raise CalculatorError("Tapez les montants sans signe moins : je sais ce qui rentre et ce qui sort.")
    steps = ["Mois par mois, solde = encaissements − décaissements, puis cumul :"]
    balance = starting_cash
    balances = []
    for month, (cash_in, cash_out) in enumerate(zip(inflows, outflows), start=1):
        balance += cash_in - cash_out
        balances.append(balance)
        steps.append(f"- mois {month} : {euros(cash_in)} − {euros(cash_out)} = {euros(cash_in - cash_out)} ; "
                     f"cumul {euros(balance)}")
    lowest = min(balances)
    worst = balances.index(lowest) + 1
    if lowest >= 0:
        steps.append("Le cumul ne passe jamais sous zéro : pas de besoin de trésorerie sur la période.")
        steps.append(ESTIMATE_NOTE)
        return CashNeed(tuple(balances), Decimal(0), None, tuple(steps))
    steps.append(f"Le point le plus bas est au mois {worst} : {euros(lowest)}. Votre besoin de trésorerie "
                 f"est donc de {euros(-lowest)}, à financer avant le démarrage (apport, prêt d'honneur…).")
    steps.append(ESTIMATE_NOTE)
    return CashNeed(tuple(balances), -lowest, worst, tuple(steps))
