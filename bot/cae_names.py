"""French grammar of a CAE's name: "de la Coopérative d'activité Normandie",
"de Coopaname", "d'Oxalis", "du Réseau…". The article is derived from the name's
first word (a common noun such as "Coopérative", "CAE", "Scop" takes one; a
proper name does not); a CAE profile may give it explicitly (``article``:
"la", "le", "l'", "les" or "" for none)."""
from __future__ import annotations

from typing import Optional

from bot.text import fold

# First words (folded) that are common nouns, with their article.
_ARTICLES = {
    "cooperative": "la", "cae": "la", "scop": "la", "scic": "la", "societe": "la",
    "association": "l'", "union": "l'", "entreprise": "l'",
    "reseau": "le", "groupe": "le", "collectif": "le", "pole": "le",
}
_VOWELS = "aeiouyh"


def article(name: str, explicit: Optional[str] = None) -> str:
    """The article before ``name`` ("la", "le", "l'", "les" or ""), ``explicit`` if given."""
    if explicit is not None:
        return explicit.strip()
    words = fold(name or "").split()
    if not words:
        return ""
    first = words[0].strip(".,'’")
    return _ARTICLES.get(first, "")


def of_cae(name: str, explicit: Optional[str] = None) -> str:
    """"de la Coopérative X", "du Réseau Y", "de l'Union Z", "des …", "de Coopaname", "d'Oxalis"."""
    name = (name or "").strip()
    art = article(name, explicit)
    if art == "le":
        return f"du {name}"
    if art == "les":
        return f"des {name}"
    if art == "l'":
        return f"de l'{name}"
    if art:
        return f"de {art} {name}"
    return f"d'{name}" if fold(name[:1]) in _VOWELS and name[:1] else f"de {name}"


def the_cae(name: str, explicit: Optional[str] = None, capital: bool = True) -> str:
    """The name as a subject: "La Coopérative X" ("la Coopérative X" with
    ``capital=False``, inside a sentence), "Coopaname"."""
    name = (name or "").strip()
    art = article(name, explicit)
    if not art:
        return name
    text = f"{art}{name}" if art.endswith("'") else f"{art} {name}"
    return text[:1].upper() + text[1:] if capital else text
