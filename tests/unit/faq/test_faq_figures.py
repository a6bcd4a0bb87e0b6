"""The number guard: every figure an answer gives (amount, percentage, year,
duration) appears in one of that topic's cited passages or is the date of a
document it cites; figures come with their year."""
from __future__ import annotations

import dataclasses
import re

import pytest

from bot.faq import (Source, content_problems, load_documents, load_topics, numbers_in, passage_found,
                     unsupported_numbers)

TOPICS = load_topics()
DOCUMENTS = load_documents()
BY_ID = {topic.id: topic for topic in TOPICS}
# A figure a person could take as a fact about today: an amount, a share, a count of CAEs or people.
FACT_FIGURE = re.compile(r"\d\s*(%|€|millions|entrepreneurs|CAE\b|points d'accueil)")
YEAR = re.compile(r"\b(19|20)\d\d\b")


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.id)
def test_every_figure_of_an_answer_is_in_a_cited_passage(topic):
    assert topic.sources, "each topic needs at least one cited passage"
    assert unsupported_numbers(topic, DOCUMENTS) == []


@pytest.mark.parametrize("topic", [t for t in TOPICS if FACT_FIGURE.search(t.answer)], ids=lambda t: t.id)
def test_an_answer_with_figures_says_their_year(topic):
    assert YEAR.search(topic.answer), topic.answer


def test_the_guard_fails_on_an_invented_number():
    topic = BY_ID["contribution_rate"]
    assert unsupported_numbers(topic, DOCUMENTS) == []
    invented = dataclasses.replace(topic, answer=topic.answer.replace("entre 8 et 15 %", "entre 8 et 17 %"))
    assert unsupported_numbers(invented, DOCUMENTS) == ["17"]
    worded = dataclasses.replace(topic, answer=topic.answer + " Le taux baisse après douze mois.")
    assert unsupported_numbers(worded, DOCUMENTS) == ["12"]
    wrong_year = dataclasses.replace(BY_ID["key_figures"],
                                     answer=BY_ID["key_figures"].answer.replace("Fin 2018", "Fin 2021"))
    assert unsupported_numbers(wrong_year, DOCUMENTS) == ["2021"]
    problems = content_problems([invented], DOCUMENTS)
    assert any("contribution_rate" in p and "17" in p for p in problems)


def test_a_topic_without_passage_is_refused():
    bare = dataclasses.replace(BY_ID["what_is_cae"], sources=())
    assert "what_is_cae: no cited passage" in content_problems([bare], DOCUMENTS)


def test_a_document_year_only_backs_topics_citing_that_document():
    topic = BY_ID["who_is_it_for"]  # cites 000, 003 (2020) and 004
    only_000 = dataclasses.replace(topic, sources=tuple(s for s in topic.sources if s.file.startswith("000")))
    assert "2020" in unsupported_numbers(only_000, DOCUMENTS)


@pytest.mark.parametrize("text, expected", [
    ("1 138 €, 1.138 € et 1138 €", {"1138"}),
    ("0,7 million et 12,5 %", {"0.7", "12.5"}),
    ("trois ans, dix-huit mois, deux fois", {"3", "18", "2"}),
    ("Scop276 et le 1er décembre", {"1"}),
    ("une personne, une voix", set()),
    ("12\u202f000 entrepreneurs", {"12000"}),
])
def test_numbers_are_normalised(text, expected):
    assert numbers_in(text) == expected


def test_every_cited_seed_has_a_dated_document():
    cited = {source.file for topic in TOPICS for source in topic.sources}
    assert cited <= set(DOCUMENTS)
    for document in DOCUMENTS.values():
        assert document.label and document.year
        assert passage_found(Source(document.file, document.dated_by)), document.dated_by


def test_the_whole_knowledge_file_passes_the_check():
    assert content_problems(TOPICS, DOCUMENTS) == []
