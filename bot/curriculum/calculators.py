"""The two calculators the objectives need, explained step by step in French.

- Break-even point (seuil de rentabilité): fixed costs ÷ margin rate on
  variable costs, in turnover, in units when a unit price is given, and the
  month it is reached for a monthly turnover.
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

MAX_AMOUNT = Decimal("1000000000")
MAX_MONTHS = 36


class CalculatorError(ValueError):
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


@dataclass(frozen=True)
class BreakEven:
    fixed_costs: Decimal
    margin_rate: Decimal  # share of turnover left after variable costs
    turnover: Decimal  # the break-even turnover
    units: Optional[int]  # sales needed, when a unit price is known
    month: Optional[int]  # 1 = first month, when a monthly turnover is known
    steps: tuple[str, ...]

    def explanation(self) -> str:
        return "\n".join(self.steps)


def break_even(fixed_costs: Decimal, *, variable_cost_rate: Optional[Decimal] = None,
               unit_price: Optional[Decimal] = None, unit_variable_cost: Optional[Decimal] = None,
               monthly_turnover: Optional[Decimal] = None) -> BreakEven:
    """``variable_cost_rate``: variable costs as a share of turnover (0.4 = 40 %);
    or ``unit_price`` and ``unit_variable_cost``. Fixed costs over the period (a year)."""
    if fixed_costs < 0:
        raise CalculatorError("Les charges fixes ne peuvent pas être négatives.")
    steps = [f"1. Vos charges fixes sur l'année : {euros(fixed_costs)}."]
    units = None
    if unit_price is not None:
        if unit_variable_cost is None:
            unit_variable_cost = Decimal(0)
        if unit_price <= 0:
            raise CalculatorError("Le prix de vente doit être positif.")
        margin = unit_price - unit_variable_cost
        if margin <= 0:
            raise CalculatorError("Votre coût variable dépasse votre prix de vente : chaque vente "
                                  "vous fait perdre de l'argent, il n'y a pas de seuil à atteindre.")
        rate = margin / unit_price
        steps.append(f"2. Marge par vente : {euros(unit_price)} − {euros(unit_variable_cost)} = "
                     f"{euros(margin)}, soit un taux de marge de {percent(rate)}.")
        units = math.ceil(fixed_costs / margin)
    else:
        if variable_cost_rate is None:
            raise CalculatorError("Il me faut vos coûts variables (en % du chiffre d'affaires) "
                                  "ou votre prix de vente et votre coût par vente.")
        if not Decimal(0) <= variable_cost_rate < 1:
            raise CalculatorError("Les coûts variables doivent être entre 0 et 99 % du chiffre d'affaires.")
        rate = 1 - variable_cost_rate
        steps.append(f"2. Taux de marge sur coûts variables : 100 % − {percent(variable_cost_rate)} "
                     f"= {percent(rate)}.")
    turnover = fixed_costs / rate
    steps.append(f"3. Seuil de rentabilité = charges fixes ÷ taux de marge = {euros(fixed_costs)} ÷ "
                 f"{percent(rate)} = {euros(turnover)} de chiffre d'affaires.")
    if units is not None:
        steps.append(f"4. En nombre de ventes : {euros(fixed_costs)} ÷ {euros(unit_price - unit_variable_cost)} "
                     f"= {units} ventes (arrondi au-dessus).")
    month = None
    if monthly_turnover is not None:
        if monthly_turnover <= 0:
            raise CalculatorError("Le chiffre d'affaires mensuel doit être positif.")
        month = math.ceil(turnover / monthly_turnover)
        steps.append(f"{len(steps) + 1}. Avec {euros(monthly_turnover)} par mois, vous l'atteignez au "
                     f"{month}{'er' if month == 1 else 'e'} mois.")
    steps.append("Au-dessus de ce seuil, chaque vente dégage un bénéfice ; en dessous, l'activité perd de l'argent.")
    return BreakEven(fixed_costs, rate, turnover, units, month, tuple(steps))


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
        return CashNeed(tuple(balances), Decimal(0), None, tuple(steps))
    steps.append(f"Le point le plus bas est au mois {worst} : {euros(lowest)}. Votre besoin de trésorerie "
                 f"est donc de {euros(-lowest)}, à financer avant le démarrage (apport, prêt d'honneur…).")
    return CashNeed(tuple(balances), -lowest, worst, tuple(steps))
