"""Checks of the FAQ content: knowledge file, seeds, generated responses, NLU data, held-out set.

Pure Python (no Rasa), fast. Each check is also run against a deliberately broken
input to make sure it can fail.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

import bot.faq as faq
from bot.vocabulary import plain_text as normalise_question
from bot.faq import (
    CAE_PLACEHOLDERS,
    HELDOUT_FILES,
    NEXT_STEPS,
    RESPONSES_FILE,
    SEEDS_DIR,
    Source,
    load_heldout,
    load_topics,
    load_training_examples,
    normalise_passage_text,
    passage_found,
    render_responses,
    render_responses_file,
)

MIN_TOPICS = 45
MIN_EXAMPLES = 15
MIN_HELDOUT = 150
MIN_HELDOUT_PER_TOPIC = 2
MAX_TITLE = 40
MAX_PASSAGE = 400
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# "tu" forms: the assistant always says "vous".
TU_FORMS = re.compile(r"\b(tu|toi|ton|ta|tes|te|t')(?=\b|\s)", re.IGNORECASE)
VOUS_FORMS = re.compile(r"\b(vous|votre|vos|vôtre)\b", re.IGNORECASE)

TOPICS = load_topics()
TOPIC_IDS = {t.id for t in TOPICS}


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ«\"0-9])", text.strip())
    return [p for p in parts if p.strip()]


def uses_tu(text: str) -> bool:
    return bool(TU_FORMS.search(text.replace("’", "'")))


# --- knowledge file ---------------------------------------------------------

def test_seeds_dir_points_to_the_shared_seeds():
    from bot import settings

    expected = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"
    assert settings.current({}).seeds_dir == expected  # the default, whatever this machine's environment
    assert SEEDS_DIR == settings.current().seeds_dir  # the FAQ reads the configured folder
    assert (SEEDS_DIR / "README.md").exists(), f"seeds not found in {SEEDS_DIR}"


def test_enough_topics():
    assert len(TOPICS) >= MIN_TOPICS


def test_ids_are_unique_snake_case():
    counts = Counter(t.id for t in TOPICS)
    assert [i for i, n in counts.items() if n > 1] == []
    assert [t.id for t in TOPICS if not SNAKE_CASE.match(t.id)] == []
    assert not SNAKE_CASE.match("CapeDuration") and not SNAKE_CASE.match("cape-duration")


def test_titles_are_short_and_unique():
    assert [t.id for t in TOPICS if not t.title.strip() or len(t.title) > MAX_TITLE] == []
    assert len({t.title for t in TOPICS}) == len(TOPICS)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.id)
def test_answer_has_two_to_five_sentences(topic):
    assert 2 <= len(sentences(topic.answer)) <= 5, sentences(topic.answer)


def test_sentence_counter_can_fail():
    assert len(sentences("Une seule phrase ici.")) == 1
    assert len(sentences("Un. Deux. Trois. Quatre. Cinq. Six.")) == 6


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.id)
def test_answer_says_vous_not_tu(topic):
    assert not uses_tu(topic.answer), topic.answer
    assert VOUS_FORMS.search(topic.answer), "the answer should address the user with 'vous'"


def test_tu_detector_can_fail():
    assert uses_tu("Tu peux garder ton chômage.")
    assert uses_tu("Je t'explique.")
    assert not uses_tu("Vous pouvez garder votre statut, tout comme les autres.")


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.id)
def test_every_source_passage_is_quoted_from_its_seed(topic):
    assert topic.sources, "each topic needs at least one source"
    for source in topic.sources:
        assert (SEEDS_DIR / source.file).is_file(), f"unknown seed file {source.file}"
        assert len(source.passage) <= MAX_PASSAGE, f"passage too long ({len(source.passage)} chars)"
        assert passage_found(source), f"passage not found verbatim in {source.file}: {source.passage!r}"


def test_passage_check_rejects_invented_or_altered_quotes():
    seed = "000_14699e2ccd265c2f.txt"
    assert passage_found(Source(seed, "la multiplication des contrats à durée déterminée".capitalize()))  # soft hyphen "dé-\nterminée"
    assert passage_found(Source(seed, "chacun verse 11% de la marge brute de son chiffre d'affaires"))  # ’ vs '
    assert not passage_found(Source(seed, "chacun verse 12% de la marge brute de son chiffre d'affaires"))
    assert not passage_found(Source(seed, "Le CAPE dure au maximum cinq ans."))
    assert not passage_found(Source(seed, ""))


def test_normalisation_handles_line_breaks_and_quotes():
    assert normalise_passage_text("dé-\nterminée  et\n« pot commun »") == normalise_passage_text('déterminée et "pot commun"')


def test_related_ids_exist_and_next_steps_are_known():
    for topic in TOPICS:
        assert len(topic.related) <= 3, topic.id
        assert set(topic.related) <= TOPIC_IDS, (topic.id, set(topic.related) - TOPIC_IDS)
        assert topic.id not in topic.related
        assert topic.next_step in (None, *NEXT_STEPS), (topic.id, topic.next_step)


def test_required_subjects_are_covered():
    required = {
        "what_is_cae", "who_is_it_for", "three_stages", "cape_what", "cape_duration", "are_during_cape",
        "cesa_what", "pay_computation", "contribution_rate", "social_protection", "become_associate",
        "mutualised_services", "accompaniment", "limits_overview", "vat", "multi_activity", "leaving_cae",
        "cae_vs_micro", "cae_vs_portage", "specialised_caes", "young_people_cjs", "loans", "law",
        "networks", "key_figures", "cpe_figures", "parcours_cpa_cpf", "steps_to_join",
    }
    assert required - TOPIC_IDS == set()


# --- generated responses ----------------------------------------------------

def test_responses_file_is_up_to_date():
    assert RESPONSES_FILE.read_text(encoding="utf-8") == render_responses_file(), (
        "nlu/faq/responses.yml is out of date: run `python -m bot.faq sync`"
    )


def test_responses_file_parses_to_the_rendered_responses(monkeypatch):
    """Once Rasa has filled the responses (it un-doubles the payloads' braces),
    the file says what the knowledge file says, and Rasa logs no error."""
    from rasa.core.nlg import interpolator

    errors = []
    monkeypatch.setattr(interpolator.structlogger, "exception", lambda *a, **k: errors.append(k))
    data = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    cae_answers = {f"utter_cae_{t.id}" for t in TOPICS if t.cae_answer}
    cae_answers |= {f"utter_cae_{t.id}_none" for t in TOPICS if t.cae_answer_none}
    assert cae_answers, "the CAE-dependent answers (bot/caes) are generated too"
    assert set(data["responses"]) == {f"utter_faq/{t.id}" for t in TOPICS} | cae_answers
    # The {cae_...} placeholders filled with themselves: the text comes back unchanged.
    filled = interpolator.interpolate(data["responses"], {"faq_topic": "cape",
                                                          **{p: "{" + p + "}" for p in CAE_PLACEHOLDERS}})
    assert filled == render_responses()
    assert errors == []


def test_drift_is_detected():
    changed = [replace(TOPICS[0], answer=TOPICS[0].answer + " Vous voyez.")] + TOPICS[1:]
    assert render_responses_file(changed) != RESPONSES_FILE.read_text(encoding="utf-8")


def test_buttons_related_first_then_next_step():
    topic = next(t for t in TOPICS if t.related and t.next_step)
    buttons = render_responses([topic, *[t for t in TOPICS if t.id != topic.id]])[f"utter_faq/{topic.id}"][0]["buttons"]
    titles = {t.id: t.title for t in TOPICS}
    assert [b["title"] for b in buttons] == [titles[r] for r in topic.related] + [NEXT_STEPS[topic.next_step]["title"]]
    assert buttons[0]["payload"] == f'/ask_topic{{"faq_topic":"{topic.related[0]}"}}'


def test_check_command_fails_when_out_of_date(tmp_path, monkeypatch):
    from bot.faq.__main__ import main

    stale = tmp_path / "responses.yml"
    stale.write_text("version: '3.1'\nresponses: {}\n", encoding="utf-8")
    monkeypatch.setattr(faq, "RESPONSES_FILE", stale)
    monkeypatch.setattr("bot.faq.__main__.RESPONSES_FILE", stale)
    monkeypatch.setattr("bot.faq.__main__.ROOT", tmp_path)
    monkeypatch.setattr("bot.faq.__main__.is_up_to_date", lambda: faq.is_up_to_date(stale))
    assert main(["check"]) == 1


# --- NLU training data ------------------------------------------------------

EXAMPLES = load_training_examples()


def test_every_intent_is_a_known_topic():
    intents = set(EXAMPLES)
    assert all(i.startswith("faq/") for i in intents)
    assert {i[len("faq/"):] for i in intents} - TOPIC_IDS == set()


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.id)
def test_every_topic_has_enough_examples(topic):
    assert len(EXAMPLES.get(f"faq/{topic.id}", [])) >= MIN_EXAMPLES


def test_no_training_example_is_duplicated():
    seen: dict[str, str] = {}
    duplicates = []
    for intent, examples in EXAMPLES.items():
        for example in examples:
            key = normalise_question(example)
            if key in seen:
                duplicates.append((example, seen[key], intent))
            seen[key] = intent
    assert duplicates == []


def test_normalise_question():
    assert normalise_question("Est-ce que je GARDE mon chômage ?!") == normalise_question("est ce que je garde mon chomage")


def test_no_general_intents_in_faq_data():
    assert not [i for i in EXAMPLES if not i.startswith("faq/")]


# --- held-out sets -----------------------------------------------------------

HELDOUT_SETS = {name: load_heldout(path) for name, path in HELDOUT_FILES.items()}
each_heldout_set = pytest.mark.parametrize("name", list(HELDOUT_SETS))


@each_heldout_set
def test_heldout_is_large_enough(name):
    assert len(HELDOUT_SETS[name]) >= MIN_HELDOUT


@each_heldout_set
def test_heldout_topics_exist_and_are_all_covered(name):
    counts = Counter(item["topic"] for item in HELDOUT_SETS[name])
    assert set(counts) - TOPIC_IDS == set()
    assert [t for t in TOPIC_IDS if counts[t] < MIN_HELDOUT_PER_TOPIC] == []


@each_heldout_set
def test_heldout_never_appears_in_training(name):
    training = {normalise_question(e) for examples in EXAMPLES.values() for e in examples}
    leaks = [item["text"] for item in HELDOUT_SETS[name] if normalise_question(item["text"]) in training]
    assert leaks == []


def test_no_question_in_two_heldout_sets_nor_twice_in_one():
    counts = Counter(normalise_question(item["text"]) for items in HELDOUT_SETS.values() for item in items)
    assert [t for t, n in counts.items() if n > 1] == []
