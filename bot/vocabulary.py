"""Does a message contain any word the assistant was trained on?

Intent classifiers are confidently wrong on gibberish ("azerty qsdfgh") or on
a message made of emoji only: they must pick one of the intents they know.
A message none of whose words is known (exactly or with a typo) is better
answered with "pouvez-vous reformuler ?".
"""
from __future__ import annotations

import re
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.text import fold

WORD = re.compile(r"[^\W\d_]+")  # letters only: no digits, emoji or punctuation
TYPO_SCORE = 85  # rapidfuzz ratio above which a word counts as a typo of a known one
TYPO_MIN_LENGTH = 4


def normalise(text: str) -> str:
    return fold(text)


def plain_text(text: str) -> str:
    """Lowercase, no accents, letters and digits only, single spaces: what
    matching questions and the linear intent model compare."""
    return re.sub(r"[^a-z0-9]+", " ", normalise(text or "")).strip()


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


class Vocabulary:
    def __init__(self, known: Iterable[str]) -> None:
        self.words = sorted(set(known))
        self._set = set(self.words)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "Vocabulary":
        return cls(w for text in texts for w in words(text))

    def knows(self, word: str) -> bool:
        if word in self._set:
            return True
        if len(word) < TYPO_MIN_LENGTH:
            return False
        return process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE) is not None

    def understands_any(self, text: str) -> bool:
        # Single letters ("l", "j" of elisions) say nothing about the subject.
        return any(self.knows(w) for w in words(text) if len(w) > 1)
