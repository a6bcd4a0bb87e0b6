"""Choices offered when the assistant is unsure of what the person meant.

Given Rasa's parse of the last message (intent ranking and, for retrieval
intents, the response selector's ranking), propose the two or three most
likely subjects as buttons instead of answering a question nobody asked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05

# Intents worth proposing as a choice, with their button. Intents such as
# greet or thank are never proposed: the person would not have meant them
# when the assistant could not understand.
INTENT_CHOICES: dict[str, tuple[str, str]] = {
    "help": ("Ce que je sais faire", "/help"),
}


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str
    confidence: float

    def as_button(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def _retrieval_choices(
    parse_data: Mapping[str, Any], topic_titles: Mapping[str, str], topic_payload: str
) -> Iterable[Choice]:
    for selector in (parse_data.get("response_selector") or {}).values():
        if not isinstance(selector, Mapping):
            continue
        for ranked in selector.get("ranking") or []:
            key = ranked.get("intent_response_key") or ""
            topic = key.split("/", 1)[-1]
            if topic in topic_titles:
                yield Choice(
                    topic_titles[topic],
                    topic_payload.replace("{topic}", topic),
                    float(ranked.get("confidence") or 0.0),
                )


def suggest(
    parse_data: Mapping[str, Any],
    topic_titles: Mapping[str, str] | None = None,
    topic_payload: str = '/ask_topic{"faq_topic":"{topic}"}',
    retrieval_intents: Iterable[str] = ("faq",),
    limit: int = MAX_CHOICES,
) -> list[Choice]:
    """Most likely choices for an ambiguous message, best first, no duplicates."""
    retrieval = set(retrieval_intents)
    choices: list[Choice] = []
    for ranked in parse_data.get("intent_ranking") or []:
        name, confidence = ranked.get("name"), float(ranked.get("confidence") or 0.0)
        if name in retrieval and topic_titles:
            # The retrieval intent as a whole is likely: weigh its topics by it.
            choices += [
                Choice(c.title, c.payload, c.confidence * confidence)
                for c in _retrieval_choices(parse_data, topic_titles, topic_payload)
            ]
        elif name in INTENT_CHOICES:
            title, payload = INTENT_CHOICES[name]
            choices.append(Choice(title, payload, confidence))
    choices.sort(key=lambda c: c.confidence, reverse=True)
    best: list[Choice] = []
    for choice in choices:
        if choice.confidence < MIN_CONFIDENCE or any(b.payload == choice.payload for b in best):
            continue
        best.append(choice)
        if len(best) == limit:
            break
    return best
