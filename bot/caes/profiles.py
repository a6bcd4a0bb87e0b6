"""CAE profiles: one reviewed YAML file per cooperative in ``caes/``, checked
against ``caes/schema.json`` (as the curriculum is).

A profile says whose rule a fact is: the contribution, the insurance, the
activities its insurer excludes, hiring, leases, VAT, how to join. It is plain
data; ``bot.caes.store`` copies the profiles into the database at start so that
the dashboard, the API and the chat read the same thing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

import jsonschema
import yaml

from bot import settings
from bot.caes.hours import HoursError, OpeningHours, parse_hours
from bot.errors import UserError

CAES_DIR = settings.ROOT / "caes"
SCHEMA_FILE = CAES_DIR / "schema.json"

SPECIALISMS = {
    "generaliste": "généraliste",
    "batiment": "bâtiment",
    "sap": "services à la personne",
    "culture": "culture",
    "agri": "agri-rurale",
}
BASES = {"marge_brute": "de votre marge brute", "chiffre_affaires": "de votre chiffre d'affaires"}


class ProfileError(UserError, ValueError):
    """A profile file that does not follow its schema: the message is French and
    names the file and the field, so the start can stop with it."""

    code = "cae_profile"


@dataclass(frozen=True)
class Exclusion:
    category: str
    label: str
    reason: str


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    departements: tuple[str, ...]
    cities: tuple[str, ...]
    specialisms: tuple[str, ...]
    raw: dict = field(repr=False, compare=False, hash=False)

    @property
    def remote(self) -> bool:
        return bool(self.raw["territory"].get("remote"))

    @property
    def example(self) -> Optional[str]:
        return self.raw.get("example")

    @property
    def contribution(self) -> dict[str, Any]:
        return self.raw["contribution"]

    @property
    def exclusions(self) -> tuple[Exclusion, ...]:
        return tuple(Exclusion(e["category"], e["label"], e["reason"]) for e in self.raw.get("exclusions") or ())

    @property
    def excluded_categories(self) -> tuple[str, ...]:
        return tuple(e.category for e in self.exclusions)

    def rule(self, name: str) -> Optional[str]:
        return (self.raw.get("rules") or {}).get(name)

    @property
    def coaches_email(self) -> Optional[str]:
        return self.raw.get("coaches_email")

    @property
    def hours(self) -> Optional[OpeningHours]:
        """Its opening hours (bot/caes/hours.py), None when the profile gives none."""
        return parse_hours(self.raw.get("opening_hours"))

    def to_json(self) -> str:
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True)


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


_MESSAGES = {
    "required": "champ obligatoire manquant",
    "additionalProperties": "champ inconnu",
    "enum": "valeur non permise",
    "pattern": "format non valable",
    "type": "type de valeur inattendu",
    "oneOf": "donnez soit « rate », soit « min_rate » et « max_rate »",
    "minLength": "texte trop court",
    "minItems": "liste vide",
    "uniqueItems": "valeur en double",
}


def _french(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(racine)"
    what = _MESSAGES.get(error.validator, "valeur non valable")
    if error.validator == "type" and isinstance(error.instance, (date, datetime)):
        what = "une date s'écrit entre guillemets (\"2026-08-03\")"
    elif error.validator == "pattern" and "opening_hours" in where:
        what = "format non valable (une plage s'écrit \"09:00-12:30\", une date \"2026-08-03\")"
    if error.validator == "enum":
        what += " (attendu : " + ", ".join(map(str, error.validator_value)) + ")"
    return f"champ « {where} » : {what} ({error.message})"


def parse_profile(data: Any, name: str = "profil") -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"Profil de CAE {name} : le fichier ne contient pas un profil (un dictionnaire YAML).")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ProfileError(f"Profil de CAE {name} non valable, {_french(errors[0])}.")
    contribution = data["contribution"]
    if "min_rate" in contribution and contribution["min_rate"] > contribution["max_rate"]:
        raise ProfileError(f"Profil de CAE {name} non valable, champ « contribution/min_rate » : "
                           "plus grand que « max_rate ».")
    try:
        parse_hours(data.get("opening_hours"))
    except HoursError as error:
        raise ProfileError(f"Profil de CAE {name} non valable, champ « {error.field} » : {error.message}.") from None
    territory = data["territory"]
    return Profile(slug=data["slug"], name=data["name"], departements=tuple(territory["departements"]),
                   cities=tuple(territory.get("cities") or ()), specialisms=tuple(data["specialisms"]), raw=data)


def load_dir(directory: Optional[Path] = None) -> dict[str, Profile]:
    """Every ``*.yml`` of the directory (default ``caes/``), checked; slug -> profile.
    The file name must be the slug (``coop-lyon.yml``), so a profile is found from its id."""
    directory = directory or CAES_DIR
    profiles: dict[str, Profile] = {}
    for path in sorted(directory.glob("*.yml")):
        shown = f"{directory.name}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ProfileError(f"Profil de CAE {shown} : YAML illisible ({error}).") from None
        profile = parse_profile(data, shown)
        if profile.slug != path.stem:
            raise ProfileError(f"Profil de CAE {shown} non valable, champ « slug » : "
                               f"« {profile.slug} » au lieu de « {path.stem} » (le nom du fichier).")
        profiles[profile.slug] = profile
    return profiles


def profile_from_json(text: str) -> Profile:
    return parse_profile(json.loads(text), "base de données")


def contribution_text(profile: Profile) -> str:
    """'11 % de votre marge brute', 'entre 9 et 12 % de votre marge brute'
    (with its minimum when there is one)."""
    c = profile.contribution

    def pct(value: float) -> str:
        return f"{value:g}".replace(".", ",")

    base = BASES[c["base"]]
    text = (f"{pct(c['rate'])} % {base}" if "rate" in c
            else f"entre {pct(c['min_rate'])} et {pct(c['max_rate'])} % {base}")
    if c.get("minimum_eur"):
        text += f", avec un minimum de {pct(c['minimum_eur'])} € par mois"
    return text


def hours_text(profile: Profile, today: Optional[date] = None) -> Optional[str]:
    """``du lundi au vendredi de 9 h à 12 h 30 …`` (closures over before ``today``
    left out); None when the profile gives no hours."""
    from bot.caes.hours import describe

    hours = profile.hours
    return describe(hours, today) if hours else None


def specialisms_text(profile: Profile) -> str:
    return ", ".join(SPECIALISMS[s] for s in profile.specialisms)
