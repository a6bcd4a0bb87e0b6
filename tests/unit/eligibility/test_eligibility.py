"""Eligibility engine: data files, the table of cases, each rule's own examples, the CLI."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.eligibility import (
    OUTCOMES, REDIRECTS, SITUATIONS, assess, confirmation_text, lexicon, recognize, rules,
)
from bot.eligibility.engine import RULES_FILE, notes, practices
from bot.eligibility.lexicon import ACTIVITIES_FILE, build, load_raw
from bot.sources import SEEDS_DIR, normalise, passage_in_seed

ROOT = Path(__file__).resolve().parents[3]
CASES = yaml.safe_load((ROOT / "tests" / "data" / "eligibility_cases.yml").read_text(encoding="utf-8"))["cases"]
CRITERIA_KEYS = ("situation", "hire_staff", "commercial_lease", "heavy_investment")
CATEGORIES = {"regulated_named", "regulated_order", "regulated_chamber", "regulated_other", "health", "it_hosting", "biology",
              "technical_translation", "construction", "sap", "agri", "performing_arts", "generalist", "ambiguous"}


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Load spaCy and the lexicon once for the whole module."""
    assess("graphiste")


def criteria(case: dict) -> dict:
    return {k: case[k] for k in CRITERIA_KEYS if k in case}


# --- Seeds and sources ------------------------------------------------------------

def test_seeds_dir_is_the_repository_sibling():
    from bot import settings

    # By default the seeds sit beside the repository; CAE_SEEDS_DIR moves them.
    assert settings.current({}).seeds_dir == ROOT.parent / "shared" / "seeds"
    assert settings.current({"CAE_SEEDS_DIR": "/elsewhere/seeds"}).seeds_dir == Path("/elsewhere/seeds")
    assert SEEDS_DIR == settings.current().seeds_dir
    assert (SEEDS_DIR / "README.md").exists(), f"seeds not found in {SEEDS_DIR}"


def test_normalise_joins_hyphenation_and_plain_quotes():
    assert normalise("dé-\n terminée « mot »  l’ARE") == normalise('déterminée "mot" l\'ARE')
    assert not passage_in_seed("000_14699e2ccd265c2f.txt", "une phrase inventée de toutes pièces")


def _all_sources():
    for rule in rules():
        for source in rule.sources:
            yield f"rule {rule.id}", source
    for item in load_raw()["activities"]:
        yield f"activity {item['id']}", item["source"]
    for key, note in notes().items():
        yield f"note {key}", note["source"]
    for key, practice in practices().items():
        yield f"practice {key}", practice["source"]


@pytest.mark.parametrize("owner,source", list(_all_sources()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_source_is_a_verbatim_seed_passage(owner, source):
    assert set(source) == {"file", "passage"}, owner
    assert (SEEDS_DIR / source["file"]).is_file(), f"{owner}: no seed {source['file']}"
    assert passage_in_seed(source["file"], source["passage"]), f"{owner}: passage not in {source['file']}"


# --- rules.yml ------------------------------------------------------------------------

def test_rules_are_valid():
    ids = [r.id for r in rules()]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    whens = [tuple(sorted(r.when.items())) for r in rules()]
    assert len(whens) == len(set(whens)), "two rules with the same condition"
    for rule in rules():
        assert rule.outcome in OUTCOMES, rule.id
        assert (rule.redirect in REDIRECTS) if rule.outcome == "redirect" else rule.redirect is None, rule.id
        # French, addressed to the person ("vous", "votre", "vos"), no "tu".
        assert re.search(r"\b(vous|votre|vos)\b", rule.explanation, re.I) or "{clarify}" in rule.explanation, rule.id
        assert not re.search(r"\b(tu|ton|ta|tes)\b", rule.explanation, re.I), rule.id
        assert rule.examples.get("must_trigger") and rule.examples.get("must_not_trigger"), rule.id
        (kind, value), *rest = rule.when.items()
        assert kind in ("category", "situation", "criterion", "activity"), rule.id
        if kind == "category":
            assert value in CATEGORIES - {"ambiguous"}, rule.id
        if kind == "situation":
            assert value in SITUATIONS, rule.id


def test_every_category_and_situation_has_a_rule():
    whens = [r.when for r in rules()]
    for category in CATEGORIES - {"ambiguous"}:
        assert {"category": category} in whens, category
    for situation in SITUATIONS:
        assert {"situation": situation} in whens, situation
    for name in ("hire_staff", "commercial_lease", "heavy_investment"):
        assert {"criterion": name, "value": True} in whens, name


def _examples(kind: str):
    for rule in rules():
        for example in rule.examples.get(kind) or []:
            example = {"text": example} if isinstance(example, str) else dict(example)
            yield pytest.param(rule.id, example, id=f"{rule.id}:{example}")


@pytest.mark.parametrize("rule_id,example", list(_examples("must_trigger")))
def test_rule_examples_trigger(rule_id, example):
    verdict = assess(example.pop("text"), **example)
    assert rule_id in verdict.rules, verdict.to_dict()


@pytest.mark.parametrize("rule_id,example", list(_examples("must_not_trigger")))
def test_rule_examples_do_not_trigger(rule_id, example):
    verdict = assess(example.pop("text"), **example)
    assert rule_id not in verdict.rules, verdict.to_dict()


# --- activities.yml ------------------------------------------------------------------

def test_activities_are_valid():
    raw = load_raw(ACTIVITIES_FILE)
    ids = [a["id"] for a in raw["activities"]]
    assert len(ids) == len(set(ids)), "duplicate activity ids"
    assert len(ids) >= 90
    for item in raw["activities"]:
        assert item["category"] in CATEGORIES, item["id"]
        assert item["label"].strip(), item["id"]
        # No register, Ordre or authority per activity: the seeds name none (test_eligibility_texts.py).
        assert "regulator" not in item, item["id"]
        for group, target in (item.get("resolve") or {}).items():
            assert group in raw["contexts"], f"{item['id']}: unknown context {group}"
            assert target in ids, f"{item['id']}: unknown target {target}"
        if item["category"] == "ambiguous":
            assert item.get("resolve") and item.get("clarify"), item["id"]
    for group, spec in raw["contexts"].items():
        assert spec.get("fallback") in (None, *ids), group


def test_no_phrase_belongs_to_two_activities():
    assert build(load_raw()).collisions == []


# --- The table of cases ----------------------------------------------------------------

BLIND = yaml.safe_load((ROOT / "tests" / "data" / "eligibility_blind.yml").read_text(encoding="utf-8"))["cases"]
# Measured on the blind table (written before reading the lexicon, never tuned on):
# 94/98 = 95.9 % at its first run (one wrong refusal, since fixed by a general
# client cue, "à des …"); 95/98 now. The floor leaves room for noise only.
BLIND_FLOOR = 0.93


def test_enough_cases():
    assert len(CASES) >= 300
    assert sum(1 for c in CASES if "trap" in c) >= 100
    assert len(BLIND) >= 80


def test_blind_table_floor():
    from bot.eligibility.evaluate import TABLES, evaluate

    result = evaluate(TABLES["blind"])
    assert result["cases"] == len(BLIND)
    assert result["accuracy"] >= BLIND_FLOOR, result["misses"]
    assert result["wrongly_refused"] == 0, result["misses"]


def test_no_trap_is_refused():
    """The most harmful error: a refusal because of a client, past or homonym word."""
    refused = [c["text"] for c in CASES if "trap" in c and c["status"] != "not_eligible"
               and assess(c["text"]).status == "not_eligible"]
    assert refused == []


def test_roles():
    roles = {m.id: m.role for m in recognize("community manager pour des médecins et des kinés")}
    assert roles == {"communicant": "own", "medecin": "client", "masseur_kinesitherapeute": "client"}
    roles = {m.id: (m.role, m.role_cue) for m in recognize("infirmière de formation, je veux devenir naturopathe")}
    assert roles["infirmier"] == ("past", "de formation") and roles["naturopathe"][0] == "own"
    assert {m.id: m.role for m in recognize("avocats, je suis graphiste")}["avocat"] == "unclear"
    # Without spaCy, the same cue phrases still give the roles.
    assert {m.id: m.role for m in recognize("graphiste pour des avocats", use_spacy=False)}["avocat"] == "client"
    assert assess("ancienne avocate, je deviens formatrice", use_spacy=False).status == "eligible"


def test_matched_carries_roles_and_reasons_say_so():
    data = assess("formatrice auprès d'avocats").to_dict()
    assert data["matched"] == [{"id": "formateur", "label": "formateur", "role": "own"},
                               {"id": "avocat", "label": "avocat", "role": "client"}]
    assert data["status"] == "eligible" and "not_own" in data["rules"]
    assert any("« avocat »" in r and "clients" in r for r in data["reasons"])


def test_senses():
    assert [m.id for m in recognize("consultant SAP")] == ["informaticien"]
    assert [m.id for m in recognize("SAP")] == ["prestataire_domicile"]
    assert [m.id for m in recognize("développeur, je crée des extensions pour IDE")] == ["developpeur_web"]
    assert [m.id for m in recognize("IDE libérale")] == ["infirmier"]
    assert [m.id for m in recognize("architecte naval")] == ["architecte_naval"]


def test_one_cooperatives_exclusions_are_that_cooperatives():
    verdict = assess("hébergeur web")
    assert verdict.status == "to_review"
    assert "Scop276" in verdict.reasons[0] and "2019" in verdict.reasons[0] and "assurance" in verdict.reasons[0]
    assert not any(re.search(r"\bles CAE ne peuvent pas", r) for r in verdict.reasons)
    # A CAE that lists the category in its own profile: not eligible at that CAE.
    assert assess("hébergeur web", cae_excludes=["it_hosting"]).status == "not_eligible"
    assert assess("graphiste", cae_excludes=["it_hosting"]).status == "eligible"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['text']!r} {criteria(c)}")
def test_case(case):
    verdict = assess(case["text"], **criteria(case))
    data = verdict.to_dict()
    assert data["status"] == case["status"], data
    assert data["redirect"] == case.get("redirect"), data
    if "matched" in case:
        assert case["matched"] in [m.id for m in verdict.matches if not m.negated], data
    for role in ("client", "past"):
        if role in case:
            assert case[role] in [m.id for m in verdict.matches if m.role == role], data
    assert data["reasons"] and all(isinstance(r, str) and r for r in data["reasons"])
    assert data["sources"] and data["rules"]


# --- API details -----------------------------------------------------------------------

def test_verdict_to_dict_keys():
    data = assess("plombier", situation="jobseeker_are").to_dict()
    assert set(data) == {"status", "redirect", "reasons", "matched", "rules", "sources"}
    assert data["matched"] == [{"id": "plombier", "label": "plombier", "role": "own"}]
    assert data["rules"] == ["construction", "situation_jobseeker_are"]
    assert all(set(s) == {"file", "passage"} for s in data["sources"])


def test_unknown_situation_is_an_error():
    with pytest.raises(ValueError):
        assess("graphiste", situation="astronaut")


def test_recognize_reports_how_and_score():
    (exact,) = recognize("plombier")
    assert (exact.id, exact.how, exact.score) == ("plombier", "exact", 100)
    (typo,) = recognize("plomier")
    assert typo.how == "fuzzy" and 86 <= typo.score < 100 and typo.needs_confirmation
    (context,) = recognize("peintre sur un chantier")
    assert context.id == "peintre_batiment" and context.how.endswith("+context")
    (negated,) = recognize("je ne suis pas avocat")
    assert negated.negated


def test_unrelated_words_do_not_fuzzy_match():
    for text in ("ça marche pour combien de gens", "développer son activité", "être hébergé par une coopérative",
                 "se sous-traiter des missions", "création de société", "maison", "ménagerie du zoo de la ville"):
        assert [m.id for m in recognize(text) if m.how == "fuzzy"] == [], text


def test_works_without_spacy():
    assert assess("infirmières", use_spacy=False).status == "not_eligible"
    assert assess("plomier", use_spacy=False).redirect == "batiment"
    assert assess("", use_spacy=False).status == "to_review"


def test_confirmation_text():
    assert recognize("plomier")[0].confirmation_text == "Vous êtes bien plombier ?"
    assert confirmation_text(recognize("graphiste et photographe")) == "Vous êtes bien graphiste et photographe ?"
    assert confirmation_text([]).endswith("?")


def test_situation_labels_for_buttons():
    assert list(SITUATIONS) == ["jobseeker_are", "rsa", "employee_part_time", "employee_full_time",
                                "student", "retired", "other"]
    assert all(label[0].isupper() for label in SITUATIONS.values())


def test_lexicon_is_cached():
    assert lexicon() is lexicon()


# --- CLI -------------------------------------------------------------------------------


def test_cli_readable(capsys):
    """The readable summary, in-process (spaCy is already loaded: keeps the tests fast)."""
    from bot.eligibility.__main__ import main

    assert main(["avocate"]) == 0
    out = capsys.readouterr().out
    assert "Non éligible" in out and "avocat" in out and "000_14699e2ccd265c2f.txt" in out


def test_confirmation_shows_roles():
    from bot.eligibility.dialogue import understood

    assert understood(recognize("graphiste")) == "graphiste"
    assert understood(recognize("graphiste pour des cabinets d'avocats")) == "votre activité, graphiste ; vos clients, avocats"
    assert understood(recognize("ancienne infirmière, je deviens graphiste")) == \
        "votre activité, graphiste ; votre ancien métier, infirmier"
    assert understood(recognize("bonjour")) is None
