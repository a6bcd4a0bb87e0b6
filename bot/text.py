"""Text folding: the one accent-stripping function.

Matching what people type (FAQ words, eligibility phrases, city names,
yes/no answers) must not depend on accents or capitals: "Créer", "creer" and
"CRÉER" are the same word. Every module that compares typed text goes through
``fold``; the NLU code (bot/vocabulary.py) too, so this file is part of the
model's code fingerprint (bot/training.py, bot/rasa/nlu_components.py).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional


def fold(text: Optional[str]) -> str:
    """Lower case, accents removed: ``"Saint-Étienne"`` → ``"saint-etienne"``.

    Compatibility forms are decomposed too (``"ﬁ"`` → ``"fi"``); ``œ``/``æ``
    are letters of their own in Unicode and stay as they are."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_words(text: Optional[str]) -> str:
    """``fold``, with hyphens, apostrophes, dots and commas as spaces and single
    spaces: ``"Non, merci."`` → ``"non merci"``; what typed answers are compared as."""
    text = re.sub(r"[-'’_.,]", " ", fold(text))
    return re.sub(r"\s+", " ", text).strip()
