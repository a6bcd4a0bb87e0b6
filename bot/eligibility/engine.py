"""The verdict: which rules of rules.yml apply to a project, and what follows."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from bot.eligibility.lexicon import Match, recognize
from bot.eligibility.roles import CLIENT, OWN, PAST, UNCLEAR

RULES_FILE = Path(__file__).resolve().parent / "rules.yml"

OUTCOMES = ("eligible", "redirect", "to_review", "not_eligible")  # least to most strict
REDIRECTS = ("batiment", "sap", "agri", "culture")
CRITERIA = ("hire_staff", "commercial_lease", "heavy_investment")

# Situation values, with French labels for buttons.
SITUATIONS: dict[str, str] = {
    "jobseeker_are": "Demandeur d'emploi (ARE)",
    "rsa": "Bénéficiaire du RSA",
    "employee_part_time": "Salarié à temps partiel",
    "employee_full_time": "Salarié à temps plein",
    "student": "Étudiant",
    "retired": "Retraité",
    "other": "Autre situation",
}


@dataclass(frozen=True)
class Rule:
    id: str
    outcome: str
    explanation: str
    when: dict[str, Any]
    source: dict[str, str]
    see_also: tuple[dict[str, str], ...] = ()
    redirect: Optional[str] = None
    examples: dict[str, list] = field(default_factory=dict, hash=False, compare=False)
    practice_of: Optional[str] = None  # one cooperative's practice (a key of `practices` in rules.yml)

    @property
    def sources(self) -> list[dict[str, str]]:
        return [self.source, *self.see_also]


def load_rules(path: Path = RULES_FILE) -> list[Rule]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Rule(id=r["id"], outcome=r["outcome"], explanation=" ".join(str(r["explanation"]).split()),
             when=r["when"], source=r["source"], see_also=tuple(r.get("see_also") or ()),
             redirect=r.get("redirect"), examples=r.get("examples") or {}, practice_of=r.get("practice_of"))
        for r in raw["rules"]
    ]


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    return tuple(load_rules())


@lru_cache(maxsize=1)
def practices() -> dict[str, dict[str, Any]]:
    """One cooperative's own rules (rules.yml `practices`): name, why, the categories it excludes."""
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return raw.get("practices") or {}


@lru_cache(maxsize=1)
def notes() -> dict[str, dict[str, Any]]:
    """Texts added to a verdict outside any rule (rules.yml `notes`): explanation and source."""
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return {key: {"explanation": " ".join(str(note["explanation"]).split()), "source": note["source"]}
            for key, note in (raw.get("notes") or {}).items()}


ROLE_PHRASES = {CLIENT: "vos clients ou votre public", PAST: "votre ancien métier ou votre formation"}


@dataclass
class Verdict:
    status: str
    redirect: Optional[str]
    reasons: list[str]
    matched: list[dict[str, str]]  # the recognised activities: id, label, role (own, client, past, unclear)
    rules: list[str]  # ids of the rules applied
    sources: list[dict[str, str]]
    matches: list[Match] = field(default_factory=list)  # details (not in to_dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "redirect": self.redirect, "reasons": list(self.reasons),
                "matched": list(self.matched), "rules": list(self.rules), "sources": list(self.sources)}


def _de(label: str) -> str:
    return f"d'{label}" if label[:1].lower() in "aeiouyhéèêâîôû" else f"de {label}"


def _explain(rule: Rule, match: Optional[Match] = None) -> str:
    label = match.label if match else ""
    return rule.explanation.format(
        label=label, de_label=_de(label) if label else "",
        clarify=(match.clarify if match else "") or "", role=ROLE_PHRASES.get(match.role, "") if match else "",
    )


def assess(text: str, *, situation: Optional[str] = None, hire_staff: Optional[bool] = None,
           commercial_lease: Optional[bool] = None, heavy_investment: Optional[bool] = None,
           use_spacy: bool = True, cae_excludes: Iterable[str] = ()) -> Verdict:
    """The eligibility verdict for a project described in free text, plus the other criteria.

    ``None`` means "not asked / don't know": the criterion is then left out.
    Only the person's own activities decide (see bot/eligibility/roles.py); the
    ones that name clients or a past job are kept in ``matched`` with their role.
    ``cae_excludes``: the categories the CAE the assistant speaks for excludes in
    its own profile (none yet): one cooperative's practice (rules.yml
    `practices`) is then "not eligible at this CAE" instead of "to review".
    """
    if situation is not None and situation not in SITUATIONS:
        raise ValueError(f"unknown situation {situation!r}; expected one of {', '.join(SITUATIONS)}")
    matches = recognize(text or "", use_spacy=use_spacy)
    present = [m for m in matches if not m.negated]
    active = [m for m in present if m.role == OWN]
    unclear = [m for m in present if m.role == UNCLEAR]
    elsewhere = [m for m in present if m.role in (CLIENT, PAST)]
    excluded_here = set(cae_excludes)
    applied: list[tuple[Rule, Optional[Match]]] = []
    by_when = {tuple(sorted((k, str(v)) for k, v in r.when.items())): r for r in rules()}

    def rule_for(**when: Any) -> Optional[Rule]:
        return by_when.get(tuple(sorted((k, str(v)) for k, v in when.items())))

    # Activities.
    for match in active:
        category = "ambiguous" if match.category == "ambiguous" else match.category
        rule = rule_for(activity="ambiguous") if category == "ambiguous" else rule_for(category=category)
        if rule and rule.practice_of and category in excluded_here:
            rule = rule_for(activity="excluded_by_this_cae")
        if rule:
            applied.append((rule, match))
    for match in unclear:
        applied.append((rule_for(activity="role_unclear"), match))
    for match in elsewhere:
        applied.append((rule_for(activity="not_own"), match))
    if not active and not unclear:
        negated = [m for m in matches if m.negated]
        if elsewhere:
            applied.append((rule_for(activity="no_own_activity"), elsewhere[0]))
        else:
            rule = rule_for(activity="negated_only" if negated else "unknown")
            applied.append((rule, negated[0] if negated else None))
    redirects = {r.redirect for r, _ in applied if r.outcome == "redirect"}
    if len(redirects) > 1:
        applied.append((rule_for(activity="several_specialised"), None))

    # Other criteria.
    if situation:
        rule = rule_for(situation=situation)
        if rule:
            applied.append((rule, None))
    for name, value in (("hire_staff", hire_staff), ("commercial_lease", commercial_lease),
                        ("heavy_investment", heavy_investment)):
        if value is not None:
            rule = rule_for(criterion=name, value=bool(value))
            if rule:
                applied.append((rule, None))

    status = max((r.outcome for r, _ in applied), key=OUTCOMES.index)
    if status == "redirect" and len(redirects) > 1:
        status = "to_review"
    reasons: list[str] = []
    rule_ids: list[str] = []
    sources: list[dict[str, str]] = []
    for rule, match in applied:
        reason = _explain(rule, match)
        if reason not in reasons:
            reasons.append(reason)
        if rule.id not in rule_ids:
            rule_ids.append(rule.id)
        for source in rule.sources:
            if source not in sources:
                sources.append(dict(source))
    if len(active) > 1 and status != "to_review" and len({m.category for m in active}) > 1:
        note = notes()["multi_activity"]
        reasons.append(note["explanation"])
        if note["source"] not in sources:
            sources.append(dict(note["source"]))
    return Verdict(
        status=status,
        redirect=next(iter(redirects)) if status == "redirect" else None,
        reasons=reasons,
        matched=[{"id": m.id, "label": m.label, "role": m.role} for m in present],
        rules=rule_ids,
        sources=sources,
        matches=matches,
    )
