"""Network mode and routing: which CAEs of the profiles serve a place or a
specialism ("une CAE bâtiment dans le 69"), which ones a redirect verdict
should name, and which ones may host an activity the conversation's CAE
excludes. Plain Python over ``Profile`` records; the wording of whole
messages is in the domain's responses, the lists are built here."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from bot.text import fold, fold_words
from bot.caes.profiles import Profile, SPECIALISMS, specialisms_text

# Words that name a specialism (folded: no accents, lower case).
SPECIALISM_WORDS = {
    "batiment": r"batiment|btp|construction|artisans? du batiment|renovation|maconn\w*|plomb\w*|electricien\w*",
    "sap": r"services? a la personne|sap|aide a domicile|menage|garde d enfants",
    "culture": r"cultur\w*|artist\w*|spectacle|musicien\w*|intermittent\w*",
    "agri": r"agri\w*|rural\w*|ferme|maraich\w*|paysan\w*",
}
_DEPARTEMENT = re.compile(r"\b(\d{5}|0[1-9]|[1-8]\d|9[0-5]|2[ab]|97[1-6])\b")
MAX_LISTED = 4
PLACES = Path(__file__).with_name("places.yml")


@dataclass(frozen=True)
class Query:
    departements: tuple[str, ...] = ()  # one, or a région's
    city: Optional[str] = None
    specialism: Optional[str] = None
    area: Optional[str] = None  # how the answer says a named département or région

    @property
    def has_place(self) -> bool:
        return bool(self.departements or self.city)

    @property
    def place_label(self) -> str:
        if self.city:
            return f"à {self.city}"
        if self.area:
            return self.area
        return f"dans le {self.departements[0]}" if self.departements else "près de chez vous"


@dataclass(frozen=True)
class Area:
    pattern: re.Pattern
    departements: tuple[str, ...]
    label: str


@lru_cache(maxsize=1)
def areas() -> tuple[Area, ...]:
    """Départements and régions by name (bot/caes/places.yml), longest names
    first so that "Bouches-du-Rhône" is not read as "Rhône"; a name that is
    also a common word ("c'est cher", "en somme") only after "dans le / la / l'"."""
    data = yaml.safe_load(PLACES.read_text(encoding="utf-8"))
    ambiguous = {fold_words(n) for n in data["ambiguous"]}
    named = [(name, (code,), f"dans le {code} ({name})") for code, name in data["departements"].items()]
    named += [(r["name"], tuple(r["departements"]), r["in"]) for r in data["regions"]]
    found = []
    for name, codes, label in sorted(named, key=lambda n: -len(n[0])):
        words = re.escape(fold_words(name))
        before = r"dans (?:le|la|l|les) " if fold_words(name) in ambiguous else ""
        found.append(Area(re.compile(rf"(?<!\w){before}{words}(?!\w)"), codes, label))
    return tuple(found)


def named_area(text: str) -> Optional[Area]:
    """The département or région a text names, if any."""
    words = fold_words(text)
    return next((area for area in areas() if area.pattern.search(words)), None)


def parse_query(text: str, profiles: Iterable[Profile]) -> Query:
    """The place (département number, postal code, a city some profile serves, or
    a département or région by name) and the specialism a person asks about."""
    folded = fold(text or "")
    departements: tuple[str, ...] = ()
    area = None
    code = _DEPARTEMENT.search(folded)
    if code:
        value = code.group(1).upper()
        departements = (value[:2] if len(value) == 5 and not value.startswith("97") else value[:3],)
    city = None
    for profile in profiles:
        for name in profile.cities + tuple(a["city"] for a in profile.raw.get("addresses") or ()):
            if re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded):
                city = name
                break
        if city:
            break
    if not departements and not city:
        named = named_area(text)
        if named:
            departements, area = named.departements, named.label
    specialism = next((key for key, words in SPECIALISM_WORDS.items()
                       if re.search(rf"(?<!\w)(?:{words})(?!\w)", folded)), None)
    return Query(departements, city, specialism, area)


def serves(profile: Profile, query: Query) -> bool:
    if query.city and fold(query.city) in {fold(c) for c in profile.cities}:
        return True
    if set(query.departements) & set(profile.departements):
        return True
    return not query.has_place and profile.remote


def find(profiles: Iterable[Profile], query: Query) -> list[Profile]:
    """The CAEs that serve the place (all of them when none is said) and, if one
    is asked, have the specialism; specialised ones first when one is asked."""
    found = [p for p in profiles if (not query.has_place or serves(p, query))
             and (query.specialism is None or query.specialism in p.specialisms)]
    return sorted(found, key=lambda p: p.name)


def listing(profiles: Iterable[Profile]) -> str:
    """One line a CAE: name, specialisms, territory and a contact."""
    lines = []
    for profile in list(profiles)[:MAX_LISTED]:
        contact = profile.raw["contact"]
        reach = contact.get("website") or contact.get("email") or contact.get("phone") or ""
        where = ", ".join(profile.cities[:3]) or ", ".join(profile.departements)
        lines.append(f"- {profile.name} ({specialisms_text(profile)}) : {where}"
                     + (f" — {reach}" if reach else ""))
    return "\n".join(lines)


def session_buttons(profiles: Iterable[Profile]) -> list[dict[str, str]]:
    """A button per CAE to see its information sessions (typed, the city works too)."""
    buttons = []
    for profile in list(profiles)[:MAX_LISTED]:
        city = (profile.raw.get("addresses") or [{}])[0].get("city") or (profile.cities[:1] or [None])[0]
        if city:
            buttons.append({"title": f"Réunions à {city}", "payload": f"Je veux m'inscrire à une réunion à {city}"})
    return buttons


# --------------------------------------------------------------------------- eligibility


def redirect_caes(profiles: Iterable[Profile], redirect: str, near: Optional[Profile] = None) -> list[Profile]:
    """The CAEs of that specialism, those sharing a département with ``near`` (the
    conversation's CAE) first."""
    found = [p for p in profiles if redirect in p.specialisms]
    if near is not None:
        found.sort(key=lambda p: (not set(p.departements) & set(near.departements), p.name))
    else:
        found.sort(key=lambda p: p.name)
    return found


def hosts_elsewhere(profiles: Iterable[Profile], categories: Iterable[str], here: str) -> list[Profile]:
    """Generalist CAEs of the profiles, other than ``here``, that exclude none of these categories."""
    wanted = set(categories)
    return sorted((p for p in profiles if p.slug != here and "generaliste" in p.specialisms
                   and not wanted & set(p.excluded_categories)), key=lambda p: p.name)


def specialism_name(key: str) -> str:
    return SPECIALISMS.get(key, key)


def verdict_notes(verdict, profile: Optional[Profile], profiles: Iterable[Profile]) -> tuple[Optional[str], list[str]]:
    """What the profiles add to an eligibility verdict (a ``bot.eligibility``
    Verdict): a headline replacing the general one, and lines to add.

    - an activity the conversation's CAE excludes: its name and its reason, and
      other CAEs of the profiles that do not exclude it;
    - one cooperative's practice (to review) in network mode: the CAEs that do not exclude it;
    - a redirect: the CAEs of that specialism, nearest first, or an honest "none listed"."""
    profiles = list(profiles)
    own = [m for m in verdict.matches if m.role == "own" and not m.negated]
    headline, lines = None, []
    here = profile.slug if profile else ""
    if profile is not None and "excluded_by_this_cae" in verdict.rules:
        excluded = [e for e in profile.exclusions if any(m.category == e.category for m in own)]
        if excluded:
            headline = f"Désolé, {profile.name} n'accueille pas cette activité."
            lines += [f"{profile.name} ({profile.raw['cited_as']}) n'accueille pas {e.label} : {e.reason}."
                      for e in excluded]
            others = hosts_elsewhere(profiles, [e.category for e in excluded], here)
            lines.append("D'autres CAE peuvent l'accueillir"
                         + (" ; parmi celles que je connais : " + ", ".join(p.name for p in others[:MAX_LISTED]) + "."
                            if others else " ; un conseiller peut vous orienter."))
    elif profile is None and verdict.status == "to_review":
        practices = {m.category for m in own} & {"it_hosting", "biology", "technical_translation", "health"}
        if practices:
            others = hosts_elsewhere(profiles, practices, here)
            if others:
                lines.append("Parmi les CAE que je connais, ces CAE n'excluent pas cette activité : "
                             + ", ".join(p.name for p in others[:MAX_LISTED]) + ".")
    if verdict.status == "redirect" and verdict.redirect:
        found = redirect_caes(profiles, verdict.redirect, near=profile)
        name = specialism_name(verdict.redirect)
        if found:
            lines.append(f"CAE ({name}) que je connais :\n" + listing(found))
        else:
            lines.append(f"Je ne connais pas encore de CAE ({name}) dans mes fiches : "
                         "un conseiller peut vous orienter.")
    return headline, lines
