"""When to answer a FAQ topic, and when to propose choices instead.

A wrong answer about unemployment benefits or pay harms a jobseeker, so the
assistant answers a topic only when the FAQ ranking is confident and clearly
prefers it to the next one; otherwise it proposes the likely topics. The
ranking is the response selector's blended with the linear model
(bot/linear_intents.py, applied inside the Rasa model).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

MIN_CONFIDENCE = 0.5
MIN_MARGIN = 0.15


@dataclass(frozen=True)
class TopicDecision:
    topic: Optional[str]  # the topic to answer, or None: propose choices
    confidence: float


def decide_topic(parse_data: Mapping[str, Any], retrieval_intent: str = "faq") -> TopicDecision:
    selectors = parse_data.get("response_selector") or {}
    # Keyed by the retrieval intent, or "default" when the ResponseSelector is
    # trained on all retrieval intents at once (our config).
    selector = selectors.get(retrieval_intent) or selectors.get("default") or {}
    ranking = selector.get("ranking") or []
    if not ranking:
        return TopicDecision(None, 0.0)
    best = ranking[0]
    confidence = float(best.get("confidence") or 0.0)
    runner_up = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    topic = (best.get("intent_response_key") or "").split("/", 1)[-1] or None
    if confidence >= MIN_CONFIDENCE and confidence - runner_up >= MIN_MARGIN:
        return TopicDecision(topic, confidence)
    return TopicDecision(None, confidence)

# The dashboard flags an answered topic as doubtful (to be checked by a coach)
# when it passed the thresholds above by little.
DOUBT_CONFIDENCE = MIN_CONFIDENCE + 0.2
DOUBT_MARGIN = MIN_MARGIN * 2


def topic_ranking(parse_data: Mapping[str, Any], retrieval_intent: str = "faq") -> list[tuple[str, float]]:
    """(topic, score) of the FAQ ranking, best first."""
    selectors = parse_data.get("response_selector") or {}
    selector = selectors.get(retrieval_intent) or selectors.get("default") or {}
    return [((r.get("intent_response_key") or "").split("/", 1)[-1], float(r.get("confidence") or 0.0))
            for r in selector.get("ranking") or [] if r.get("intent_response_key")]


# --------------------------------------------------------------------------- misunderstandings in a row

# The assistant's answers meaning "I did not understand" (response names, and
# the start of their texts for events that carry no response name).
# After two misunderstandings in a row, the assistant offers a person (utter_offer_advisor).
MISUNDERSTOOD_RESPONSES = ("utter_did_you_mean", "utter_ask_rephrase", "utter_offer_advisor")
MISUNDERSTOOD_TEXTS = ("Je ne suis pas sûr d'avoir bien compris", "Je n'ai pas bien compris votre message",
                       "Je ne vous comprends toujours pas")
ADVISOR_BUTTON = {"title": "Parler à un conseiller", "payload": "/human_handoff"}


def _misunderstood(event: Mapping[str, Any]) -> bool:
    metadata = event.get("metadata") or {}
    text = event.get("text") or ""
    return metadata.get("utter_action") in MISUNDERSTOOD_RESPONSES or text.startswith(MISUNDERSTOOD_TEXTS)


def misunderstood_before(events: list[Mapping[str, Any]]) -> bool:
    """Whether the assistant did not understand the person's previous message
    either (its answer to it was "did you mean" choices or "please rephrase"):
    ``events`` are the conversation's events (as dicts, rasa_sdk's tracker
    ``events``), the last user event being the message now not understood."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return False
    previous, current = users[-2], users[-1]
    return any(event.get("event") == "bot" and _misunderstood(event)
               for event in events[previous + 1:current])
