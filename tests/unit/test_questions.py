"""Several questions in one message (bot/questions.py): where a message is cut,
and when its parts are answered one by one."""
from __future__ import annotations

import pytest

from bot.questions import MAX_CHARS, PARSE_KEY, part_summary, split_questions, topics_to_answer


@pytest.mark.parametrize("text,parts", [
    ("c'est quoi un CAPE et combien ça coûte ?", ["c'est quoi un CAPE", "combien ça coûte ?"]),
    ("je touche l'ARE, je la garde ? et ça coûte combien ?",
     ["je touche l'ARE, je la garde ?", "et ça coûte combien ?"]),
    ("Combien de temps dure le CAPE ? Est-ce que je garde le chômage ?",
     ["Combien de temps dure le CAPE ?", "Est-ce que je garde le chômage ?"]),
    ("c quoi un cesa ; et la tva ?", ["c quoi un cesa ;", "et la tva ?"]),
])
def test_a_message_is_cut_where_a_new_question_starts(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize("text", [
    "quelle est la différence entre CAPE et CESA ?",          # "et" not before a question word
    "je touche l'ARE, je la garde ?",                         # never on commas
    "est-ce que je peux facturer et encaisser moi-même ?",
    "la réunion d'info c'est obligatoire ? ça se passe comment ?",  # the second part has no subject
    "pour être associé il faut mettre de l'argent ? combien ?",
    "le CESA c'est un CDI ? c koi concrètement",
    "bonjour",
    "",
])
def test_one_question_stays_whole(text):
    assert split_questions(text) == ([text] if text else [])


def test_a_statement_is_context_of_the_question_after_it():
    text = "Je viens de créer mon activité de couture ; comment je peux participer aux décisions ?"
    assert split_questions(text) == [text]
    assert split_questions("J'ai deux enfants. Combien je gagnerai ? Et je garde la CAF ?") == [
        "J'ai deux enfants. Combien je gagnerai ?", "Et je garde la CAF ?"]


def test_long_texts_are_not_cut():
    text = ("c'est quoi un CAPE ? " * 40)[:MAX_CHARS + 10]
    assert split_questions(text) == [text.strip()]


def parse(intent: str, confidence: float, ranking: list[tuple[str, float]]) -> dict:
    return {"intent": {"name": intent, "confidence": confidence},
            "response_selector": {"default": {"ranking": [
                {"intent_response_key": f"faq/{t}", "confidence": c, "id": 1} for t, c in ranking]}}}


CAPE = parse("faq", 0.99, [("cape_what", 0.97), ("cape_duration", 0.02)])
COST = parse("faq", 0.98, [("contribution_rate", 0.8), ("joining_cost", 0.15)])
UNSURE = parse("faq", 0.9, [("vat", 0.45), ("invoicing", 0.4)])
GREETING = parse("greet", 0.99, [("what_is_cae", 0.9)])


def message(*parts: dict) -> dict:
    return {PARSE_KEY: [part_summary(f"part {n}", p) for n, p in enumerate(parts)]}


def test_two_confident_faq_parts_are_answered_in_order():
    assert topics_to_answer(message(CAPE, COST)) == ["cape_what", "contribution_rate"]
    assert topics_to_answer(message(COST, CAPE)) == ["contribution_rate", "cape_what"]


def test_anything_less_is_left_to_the_whole_message():
    assert topics_to_answer(message(CAPE)) == []
    assert topics_to_answer(message(CAPE, CAPE)) == []           # one topic
    assert topics_to_answer(message(CAPE, UNSURE)) == []         # one part unsure
    assert topics_to_answer(message(GREETING, CAPE)) == []       # a greeting is not a question
    assert topics_to_answer({"text": "no parts"}) == []
    assert topics_to_answer(message(CAPE, COST), known_topics={"cape_what"}) == []


def test_the_summary_keeps_only_what_the_dialogue_needs():
    summary = part_summary("c'est quoi un CAPE", {**CAPE, "text_tokens": [[0, 5]], "entities": []})
    assert summary == {"text": "c'est quoi un CAPE", "intent": {"name": "faq", "confidence": 0.99},
                       "response_selector": {"default": {"ranking": [
                           {"intent_response_key": "faq/cape_what", "confidence": 0.97},
                           {"intent_response_key": "faq/cape_duration", "confidence": 0.02}]}}}


def test_at_most_four_parts_and_nothing_dropped():
    text = "C'est quoi un CAPE ? Et le CESA ? Et la TVA ? Et la mutuelle ? Et la retraite ?"
    parts = split_questions(text)
    assert len(parts) == 4 and parts[-1] == "Et la mutuelle ? Et la retraite ?"
    assert " ".join(parts) == text
