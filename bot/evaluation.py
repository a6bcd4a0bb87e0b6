"""Held-out evaluation of the FAQ answers: the scoring (``make eval``).

Two sets of questions never used in training (bot.faq.HELDOUT_FILES): the
held-out set, and a fresh one written blind and never looked at for tuning.
Each question is sent as the first message of a new conversation;
the answer counts as right only when the assistant answered that very topic.
The trained model is run in Rasa's agent by bot/rasa/evaluation.py (``make
eval``); this module scores the answers and imports no Rasa.
Proposing choices counts as not answered (wrong for accuracy, but never a
confident wrong answer). Prints per-topic precision and recall, and accuracy,
and how many single questions got several answers (a wrong split,
bot/questions.py). Then the messages holding several questions
(tests/data/faq_multi.yml): right only when every topic is answered, in order.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from bot.faq import ROOT, load_topics

NOT_ANSWERED = "(pas de réponse)"
MULTI_FILE = ROOT / "tests" / "data" / "faq_multi.yml"


@dataclass(frozen=True)
class Outcome:
    text: str
    expected: str
    answered: Optional[str]  # topic answered, or None
    answered_count: int = 1  # how many topics the replies answered

    @property
    def right(self) -> bool:
        return self.answered == self.expected


def answered_topic(replies: Iterable[dict], answers: dict[str, str]) -> Optional[str]:
    """Which topic the assistant answered, recognised from the reply's text."""
    by_text = {text.strip(): topic for topic, text in answers.items()}
    for reply in replies:
        topic = by_text.get((reply.get("text") or "").strip())
        if topic:
            return topic
    return None


def answered_topics(replies: Iterable[dict], answers: dict[str, str]) -> list[str]:
    """Every topic the replies answered, in order."""
    by_text = {text.strip(): topic for topic, text in answers.items()}
    found = [by_text.get((reply.get("text") or "").strip()) for reply in replies]
    return [topic for topic in found if topic]


@dataclass(frozen=True)
class MultiOutcome:
    text: str
    expected: tuple[str, ...]
    answered: tuple[str, ...]


@dataclass
class MultiReport:
    outcomes: list[MultiOutcome]

    @property
    def right(self) -> int:
        return sum(o.answered == o.expected for o in self.outcomes)

    @property
    def topics_right(self) -> int:
        """Expected topics answered (in any order), over all messages."""
        return sum(len(set(o.expected) & set(o.answered)) for o in self.outcomes)

    @property
    def wrong_answers(self) -> int:
        """Answers to a topic the message did not ask about."""
        return sum(len(set(o.answered) - set(o.expected)) for o in self.outcomes)

    def format(self) -> str:
        total = sum(len(o.expected) for o in self.outcomes)
        lines = [f"messages: {len(self.outcomes)}  every question answered in order: {self.right}  "
                 f"questions answered right: {self.topics_right}/{total}  "
                 f"answers to a question not asked: {self.wrong_answers}"]
        for o in self.outcomes:
            if o.answered != o.expected:
                lines.append(f"  [{', '.join(o.expected)} -> {', '.join(o.answered) or NOT_ANSWERED}] {o.text}")
        return "\n".join(lines)


@dataclass
class Report:
    outcomes: list[Outcome]

    @property
    def accuracy(self) -> float:
        return sum(o.right for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def confident_errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.answered and not o.right]

    def per_topic(self) -> dict[str, tuple[float, float, int]]:
        """topic -> (precision, recall, support)."""
        support = Counter(o.expected for o in self.outcomes)
        answered = Counter(o.answered for o in self.outcomes if o.answered)
        right = Counter(o.expected for o in self.outcomes if o.right)
        rows = {}
        for topic in sorted(set(support) | set(answered)):
            precision = right[topic] / answered[topic] if answered[topic] else 0.0
            recall = right[topic] / support[topic] if support[topic] else 0.0
            rows[topic] = (precision, recall, support[topic])
        return rows

    def format(self) -> str:
        lines = [f"{'topic':<32} {'precision':>9} {'recall':>7} {'n':>4}"]
        for topic, (precision, recall, n) in self.per_topic().items():
            lines.append(f"{topic:<32} {precision:>9.2f} {recall:>7.2f} {n:>4}")
        unanswered = sum(1 for o in self.outcomes if o.answered is None)
        several = sum(1 for o in self.outcomes if o.answered_count > 1)
        lines += [
            "",
            f"questions: {len(self.outcomes)}  accuracy: {self.accuracy:.3f}  "
            f"choices proposed instead: {unanswered}  confident wrong answers: {len(self.confident_errors)}  "
            f"answered as several questions: {several}",
        ]
        for o in self.outcomes:
            if not o.right:
                lines.append(f"  [{o.expected} -> {o.answered or NOT_ANSWERED}] {o.text}")
        return "\n".join(lines)


async def evaluate_agent(agent, items: list[dict], answers: dict[str, str]) -> Report:
    outcomes = []
    for number, item in enumerate(items):
        replies = await agent.handle_text(item["text"], sender_id=f"heldout-{number}-{time.time_ns()}")
        outcomes.append(Outcome(item["text"], item["topic"], answered_topic(replies or [], answers),
                                len(answered_topics(replies or [], answers))))
    return Report(outcomes)


def load_multi(path: Path = MULTI_FILE) -> list[dict]:
    import yaml

    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("multi") or ())


async def evaluate_multi(agent, items: list[dict], answers: dict[str, str]) -> MultiReport:
    outcomes = []
    for number, item in enumerate(items):
        replies = await agent.handle_text(item["text"], sender_id=f"multi-{number}-{time.time_ns()}")
        outcomes.append(MultiOutcome(item["text"], tuple(item["topics"]),
                                     tuple(answered_topics(replies or [], answers))))
    return MultiReport(outcomes)


def faq_answers() -> dict[str, str]:
    return {topic.id: topic.answer for topic in load_topics()}
