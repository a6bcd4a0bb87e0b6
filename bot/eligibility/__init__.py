"""Eligibility engine: can a project be hosted by a CAE?

Plain Python (PyYAML, rapidfuzz, optional spaCy; no Rasa import). The rules
(rules.yml) and the lexicon of activities (activities.yml) are data, each
backed by a verbatim passage of the seed documents (see bot/sources.py).

    >>> from bot.eligibility import assess
    >>> assess("je suis plombière", situation="jobseeker_are").to_dict()["status"]
    'redirect'
"""
from bot.eligibility.engine import (
    CRITERIA, OUTCOMES, REDIRECTS, SITUATIONS, Rule, Verdict, assess, load_rules, rules,
)
from bot.eligibility.lexicon import Match, confirmation_text, lexicon, recognize

__all__ = [
    "assess", "recognize", "confirmation_text", "Verdict", "Match", "Rule", "rules", "load_rules",
    "lexicon", "SITUATIONS", "OUTCOMES", "REDIRECTS", "CRITERIA",
]
