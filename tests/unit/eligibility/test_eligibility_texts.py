"""The eligibility texts a person reads say only what their cited seed passages say.

A rule's explanation, an ambiguous activity's question and the engine's notes may
name a register, an authority, an acronym or a figure only when one of the passages
they cite (or the name and date of a cited seed, as bot/faq/knowledge.yml gives
them) contains it. This catches "carte professionnelle délivrée par la CCI",
"immatriculation à l'ORIAS", "Ordre des médecins", "agrément préfectoral"...
written from general knowledge rather than from the seeds.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from bot.eligibility import assess, rules
from bot.eligibility.engine import _explain, notes, practices
from bot.eligibility.lexicon import Match, load_raw
from bot.eligibility.roles import CLIENT, OWN
from bot.faq import load_documents, numbers_in
from bot.sources import normalise

ROOT = Path(__file__).resolve().parents[3]
TABLES = [yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))["cases"]
          for name in ("eligibility_cases.yml", "eligibility_blind.yml")]

# The assistant's own subject: may be named without a passage.
ALWAYS_ALLOWED = {"CAE"}
# Words that name a register, an authority or a formality: a passage must contain them.
REGISTER_WORDS = ("préfect", "carte professionnelle", "immatricul", "agrément", "officier public", "chambre",
                  "barreau", "ordre", "inscription", "autorisation", "diplôme", "réservé", "monopole", "habilit")
# Seeds that a text may name as its source, and the file it must then cite.
SEED_NAMES = {"Scop276": "000_14699e2ccd265c2f.txt", "Avise": "002_4c26a631aeb2e6cc.txt",
              "Copea": "001_4ca0aa8d0473ecea.txt"}

_WORD = re.compile(r"[\wÀ-ÿ][\wÀ-ÿ-]*")  # "l'ORIAS" -> "l", "ORIAS"
# A capitalised name and what follows it when it names a body: "Ordre des médecins", "Chambre nationale".
_COMPLEMENT = re.compile(r"\s+((?:(?:nationale?|des|du|de la|de l'|d')\s*)+[\wÀ-ÿ-]+)")


def named_terms(text: str) -> list[str]:
    """Acronyms and capitalised names of a text, with their complement ("Ordre des médecins").

    A capitalised word that opens a sentence or a quotation is an ordinary word."""
    terms = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        before = text[:match.start()].rstrip()
        opens = not before or before[-1] in ".!?«"
        acronym = len(word) >= 2 and word.isupper()
        if not acronym and (opens or not word[:1].isupper()):
            continue
        if word in ALWAYS_ALLOWED:
            continue
        complement = _COMPLEMENT.match(text, match.end())
        terms.append(f"{word} {complement.group(1)}" if complement else word)
    return terms


@lru_cache(maxsize=1)
def _documents():
    return load_documents()


def unsourced(text: str, sources: list[dict[str, str]], labels: tuple[str, ...] = ()) -> list[str]:
    """What ``text`` names that neither its sources (passages, seed names and dates) nor
    the activity labels it quotes contain. Empty when everything is backed."""
    documents = _documents()
    cited = {s["file"] for s in sources}
    backing = " ".join([s["passage"] for s in sources]
                       + [f"{documents[f].label} {documents[f].year}" for f in cited if f in documents]
                       + list(labels))
    plain = normalise(backing).lower()
    problems = [term for term in named_terms(text) if normalise(term).lower() not in plain]
    problems += [word for word in REGISTER_WORDS if word in text.lower() and word not in plain]
    problems += [f"figure {n}" for n in sorted(numbers_in(text) - numbers_in(backing))]
    problems += [f"{name} without citing {file}" for name, file in SEED_NAMES.items()
                 if name in text and file not in cited]
    return problems


# --- The checker itself ------------------------------------------------------------------

GENERALIST = {"file": "004_200874543ca84783.txt",
              "passage": "La très grande majorité des CAE membres de Coopérer Pour Entreprendre sont généralistes, "
                         "c'est-à-dire qu'elles accueillent tous les métiers, à l'exception de certaines "
                         "professions réglementées."}
ORDRE = {"file": "001_4ca0aa8d0473ecea.txt",
         "passage": "à des réglementations spécifiques (les métiers régis par un Ordre)"}


@pytest.mark.parametrize("text", [
    "Le métier d'agent immobilier est encadré (carte professionnelle délivrée par la CCI).",
    "Le métier de courtier est encadré (immatriculation à l'ORIAS).",
    "Le métier d'assistant maternel est encadré (agrément de la PMI).",
    "Le métier d'agent de sécurité est encadré (autorisation du CNAPS).",
    "Le métier de moniteur d'auto-école est encadré (agrément préfectoral).",
    "Le métier de juriste est encadré : le conseil juridique est réservé à certaines professions.",
    "Vous ne pourrez pas exercer comme notaire en CAE (officier public et ministériel, Chambre des notaires).",
    "Selon le rapport 2019 de Scop276, les CAE accueillent tous les métiers.",
    "Selon le réseau CPE (rapport 2015), les CAE accueillent tous les métiers.",
])
def test_the_checker_flags_what_the_passage_does_not_say(text):
    assert unsourced(text, [GENERALIST]), text


def test_the_checker_flags_an_ordre_the_seeds_do_not_name():
    assert unsourced("Le métier de médecin est régi par un Ordre (Ordre des médecins).", [ORDRE]) == ["Ordre des médecins"]
    assert unsourced("Selon la fiche Copea (vers 2010), les métiers régis par un Ordre sont une limite.", [ORDRE]) == []


def test_the_checker_passes_a_sourced_text():
    text = ("Le métier de notaire est une profession réglementée. Selon le réseau CPE (rapport 2017), les CAE "
            "généralistes accueillent tous les métiers, à l'exception de certaines professions réglementées.")
    assert unsourced(text, [GENERALIST]) == []


# --- Every text the engine can show ----------------------------------------------------------

def _renderings():
    """Each rule's text as the engine writes it, for every activity it can be about,
    with the sources it cites (the rule's, the activity's, the cooperative's practice)."""
    activities = load_raw()["activities"]
    by_category = {}
    for item in activities:
        by_category.setdefault(item["category"], []).append(item)
    for rule in rules():
        kind, value = next(iter(rule.when.items()))
        if kind == "category":
            items = by_category.get(value, [])
        elif kind == "activity" and value == "ambiguous":
            items = by_category["ambiguous"]
        elif kind == "activity" and value in ("unknown", "several_specialised"):
            items = [None]
        elif kind == "activity":
            items = activities
        else:
            items = [None]
        for item in items:
            sources = list(rule.sources)
            if rule.practice_of:
                sources.append(practices()[rule.practice_of]["source"])
            match = None
            if item is not None:
                role = CLIENT if value in ("not_own", "no_own_activity") else OWN
                match = Match(item["id"], item["label"], item["category"], 100, "exact", item["label"],
                              clarify=item.get("clarify"), role=role)
                if kind == "category" or value == "ambiguous":
                    sources.append(item["source"])
            yield pytest.param(_explain(rule, match), sources, (item["label"],) if item else (),
                               id=f"{rule.id}:{item['id'] if item else '-'}")
    for key, note in notes().items():
        yield pytest.param(note["explanation"], [note["source"]], (), id=f"note:{key}")


@pytest.mark.parametrize("text,sources,labels", list(_renderings()))
def test_every_eligibility_text_names_only_what_its_sources_say(text, sources, labels):
    assert unsourced(text, sources, labels) == [], text


def test_reasons_of_the_case_tables_are_backed_by_the_verdicts_sources():
    problems = []
    for case in (c for table in TABLES for c in table):
        criteria = {k: case[k] for k in ("situation", "hire_staff", "commercial_lease", "heavy_investment") if k in case}
        verdict = assess(case["text"], **criteria)
        labels = tuple(m["label"] for m in verdict.matched)
        for reason in verdict.reasons:
            missing = unsourced(reason, verdict.sources, labels)
            if missing:
                problems.append((case["text"], reason, missing))
    assert problems == []


def test_one_cooperatives_practice_is_named_and_dated():
    for rule in rules():
        if rule.practice_of:
            name = practices()[rule.practice_of]["name"]
            assert name in rule.explanation and "2019" in rule.explanation, rule.id
            assert "pas une règle de toutes les CAE" in rule.explanation, rule.id
