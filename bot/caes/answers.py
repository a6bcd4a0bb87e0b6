"""Answers that depend on the CAE: which response to give for a topic, and the
values of its ``{cae_...}`` placeholders, filled from the conversation's CAE
profile. The wording itself stays in the responses (generated from
bot/faq/knowledge.yml ``cae_answer``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from bot.caes.profiles import Profile, contribution_text, hours_text
from bot.faq import CAE_RESPONSE_PREFIX, RESPONSE_PREFIX, Topic, placeholders


def values(profile: Profile) -> dict[str, Optional[str]]:
    """Placeholder -> text; None when the profile does not say, "" when it says
    "none" (an empty list of exclusions)."""
    raw = profile.raw
    rules = raw.get("rules") or {}
    exclusions = "; ".join(f"{e.label} ({e.reason})" for e in profile.exclusions)
    return {
        "cae_name": profile.name,
        "cae_cited_as": raw["cited_as"],
        "cae_contribution": contribution_text(profile),
        "cae_includes": raw["contribution"].get("includes"),
        "cae_insurance": raw.get("insurance"),
        "cae_exclusions": exclusions if "exclusions" in raw else None,
        "cae_hiring": rules.get("hiring"),
        "cae_lease": rules.get("commercial_lease"),
        "cae_vat": rules.get("vat"),
        "cae_joining": rules.get("joining"),
        "cae_sessions": raw.get("information_sessions"),
        "cae_hours": hours_text(profile),
    }


@dataclass(frozen=True)
class Answer:
    response: str
    fill: dict[str, str] = field(default_factory=dict)
    # Network mode on a topic whose rule depends on the CAE: ask where the person is.
    ask_where: bool = False


def answer_for(topic: Topic, profile: Optional[Profile]) -> Answer:
    """The CAE's own answer when its profile says what the topic needs; else the
    general answer (and, for a CAE-dependent topic, "which CAE near you?")."""
    general = Answer(f"{RESPONSE_PREFIX}{topic.id}", ask_where=bool(topic.cae_answer) and profile is None)
    if not topic.cae_answer or profile is None:
        return general
    known = values(profile)
    needed = placeholders(topic.cae_answer)
    if any(known.get(name) is None for name in needed):
        return general  # the profile does not say: the general picture
    if any(known.get(name) == "" for name in needed):
        if not topic.cae_answer_none:
            return general
        response, needed = f"{CAE_RESPONSE_PREFIX}{topic.id}_none", placeholders(topic.cae_answer_none)
    else:
        response = f"{CAE_RESPONSE_PREFIX}{topic.id}"
    return Answer(response, {name: str(known[name]) for name in needed})
