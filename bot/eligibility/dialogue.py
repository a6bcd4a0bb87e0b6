"""The eligibility conversation's plain-Python side (in the chat: actions/eligibility.py).

Reading the person's answers (situation, yes / no / don't know), spotting a
correction of the activity, and turning the engine's verdict into a short
French message with the next step as buttons. The rules themselves live in
bot/eligibility/.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from bot.eligibility import SITUATIONS  # ids and their French button labels
from bot.vocabulary import normalise


# Keywords, without accents, tried in this order (the first that matches wins).
SITUATION_PATTERNS: list[tuple[str, str]] = [
    ("rsa", r"\brsa\b|revenu de solidarite"),
    ("jobseeker_are", r"chomage|chomeu|pole emploi|france travail|\bare\b|demandeu\w* d.?emploi|sans emploi|indemnis|licenci|rupture conventionnelle"),
    ("employee_part_time", r"temps partiel|mi.?temps|\bpartiel|80 ?%|quelques heures"),
    ("employee_full_time", r"temps plein|temps complet|salari|\bcdi\b|\bcdd\b|en poste|j.?ai un (emploi|travail|job)"),
    ("student", r"etudian|etudes|\bfac\b|universit|ecole|alternan"),
    ("retired", r"retrait"),
    ("other", r"autre|aucune|rien de tout|independant|auto.?entrepreneur|micro.?entrepr|au foyer|conge parental"),
]

YES, NO, UNKNOWN = "yes", "no", "unknown"

CORRECTION = re.compile(r"^(en fait|non[ ,]|plutot|finalement|correction|je me suis trompe|pardon)")


def parse_situation(text: str) -> Optional[str]:
    """A situation id from the person's words (or a button's label), or None."""
    cleaned = normalise(text or "").strip()
    for situation, label in SITUATIONS.items():
        if cleaned == normalise(label):
            return situation
    for situation, pattern in SITUATION_PATTERNS:
        if re.search(pattern, cleaned):
            return situation
    return None


ROLE_LEADS = {"own": "votre activité", "client": "vos clients", "past": "votre ancien métier",
              "unclear": "à préciser"}


def _plural(label: str) -> str:
    return " ".join(w if w.endswith(("s", "x")) or not w.isalpha() else w + "s" for w in label.split())


def understood(matches: list[Any]) -> Optional[str]:
    """What was understood, with the roles, for the confirmation question; None when nothing was.

    One own activity: its label ("graphiste"). Several, or a client / past one:
    "votre activité, graphiste ; vos clients, avocats".
    """
    matches = [m for m in matches if not getattr(m, "negated", False)]
    if not matches:
        return None
    if len(matches) == 1 and matches[0].role == "own":
        return matches[0].label
    parts: dict[str, list[str]] = {}
    for match in matches:
        label = _plural(match.label) if match.role == "client" else match.label
        if label not in parts.setdefault(match.role, []):
            parts[match.role].append(label)
    order = ("own", "past", "client", "unclear")
    return " ; ".join(f"{ROLE_LEADS[role]}, {' et '.join(parts[role])}" for role in order if role in parts)


def looks_like_correction(text: str) -> bool:
    return bool(CORRECTION.search(normalise(text or "").strip()))


def as_flag(answer: Optional[str]) -> Optional[bool]:
    """yes/no/unknown slot value -> True/False/None for the engine."""
    return {YES: True, NO: False}.get(answer or "")


def topic_button(title: str, topic: str) -> dict[str, str]:
    return {"title": title, "payload": f'/ask_topic{{"faq_topic":"{topic}"}}'}


NEXT_STEPS = {
    "join": topic_button("Les étapes pour rejoindre une CAE", "steps_to_join"),
    "specialised": topic_button("Les CAE spécialisées", "specialised_caes"),
    "excluded": topic_button("Les activités exclues", "excluded_activities"),
    "again": {"title": "Vérifier un autre projet", "payload": "/check_eligibility"},
    "book": {"title": "M'inscrire à une réunion d'information", "payload": "/book_session"},
    "person": {"title": "Parler à un conseiller", "payload": "/human_handoff"},
}

# The next steps offered after each verdict, first the main one.
NEXT_STEP_BUTTONS = {
    "eligible": ("book", "join", "again"),
    "to_review": ("book", "person", "again"),
    "redirect": ("specialised", "person", "again"),
    "not_eligible": ("person", "excluded", "again"),
}

HEADLINES = {
    "eligible": "Bonne nouvelle : votre projet peut a priori être accueilli dans une CAE.",
    "redirect": "Votre projet relève plutôt d'une CAE spécialisée.",
    "not_eligible": "Désolé, d'après nos sources, cette activité ne peut pas être exercée en CAE.",
    "to_review": "Votre projet sera étudié lors de l'entretien individuel avec la CAE.",
}

REDIRECT_NAMES = {
    "batiment": "CAE du bâtiment",
    "sap": "CAE de services à la personne",
    "agri": "CAE agri-rurale",
    "culture": "CAE culture",
}


def verdict_message(verdict: dict[str, Any]) -> dict[str, Any]:
    """The verdict as one chat message: headline, reasons, next steps as buttons."""
    status = verdict["status"]
    lines = [HEADLINES[status]]
    if status == "redirect" and verdict.get("redirect") in REDIRECT_NAMES:
        lines[0] = f"Votre projet relève plutôt d'une {REDIRECT_NAMES[verdict['redirect']]}."
    lines += [f"- {reason}" for reason in verdict.get("reasons") or []]
    buttons = [NEXT_STEPS[key] for key in NEXT_STEP_BUTTONS[status]]
    return {"text": "\n".join(lines), "buttons": buttons}


def with_notes(message: dict[str, Any], headline: Optional[str], lines: list[str]) -> dict[str, Any]:
    """The verdict message with the CAE's notes (bot/caes/network.py
    ``verdict_notes``): their headline replaces the general one, their lines
    come after the reasons."""
    if not headline and not lines:
        return message
    text = message["text"].split("\n")
    return {**message, "text": "\n".join(([headline] if headline else text[:1]) + text[1:] + list(lines))}
