"""The linear intent model and its blend with Rasa's parse (no trained Rasa model)."""
from __future__ import annotations

import pytest

from bot import linear_intents as li

TEXTS = {
    "greet": ["bonjour", "salut", "bonsoir à vous", "coucou", "hello"],
    "faq/vat": ["je facture la TVA ?", "tva en cae", "la CAE collecte la TVA ?", "taxe sur la valeur ajoutée"],
    "faq/cape_what": ["c'est quoi le CAPE", "contrat cape", "le contrat d'appui au projet d'entreprise"],
}


@pytest.fixture(scope="module")
def model() -> li.LinearIntentModel:
    texts = [t for examples in TEXTS.values() for t in examples]
    labels = [label for label, examples in TEXTS.items() for _ in examples]
    return li.LinearIntentModel.fit(texts, labels)


def test_the_linear_model_finds_the_label_of_unseen_wordings(model):
    for text, label in [("est-ce que je dois facturer la tva", "faq/vat"),
                        ("le contrat CAPE, c koi", "faq/cape_what"),
                        ("Bonjour !", "greet")]:
        probabilities = model.probabilities(text)
        assert max(probabilities, key=probabilities.get) == label, text
        assert abs(sum(probabilities.values()) - 1) < 1e-6


def test_the_temperature_sharpens_reliable_scores_and_softens_unreliable_ones():
    import numpy

    scores = numpy.array([[1.0, -1.0], [-1.0, 1.0]] * 20)
    right = numpy.array([0, 1] * 20)
    half_wrong = numpy.array([0, 1] * 10 + [1, 0] * 10)
    sharp, soft = li.fit_temperature(scores, right), li.fit_temperature(scores, half_wrong)
    assert sharp < 0.2 < 5 < soft
    # A sharp temperature makes the favourite nearly certain; a soft one, a coin toss.
    assert li._softmax(scores[:1], sharp)[0][0] > 0.99
    assert abs(li._softmax(scores[:1], soft)[0][0] - 0.5) < 0.1


def test_nothing_to_say_about_empty_text_or_an_untrained_model(model):
    assert model.probabilities("") == {} and model.probabilities("🙂 !!") == {}
    assert li.LinearIntentModel().probabilities("tva") == {}
    assert not li.LinearIntentModel.fit(["a", "b"], ["greet", "greet"]).trained  # one label
    assert not li.LinearIntentModel.fit(["a", "b", "c"], ["greet", "greet", "vat"]).trained  # one example of vat


def test_save_and_load_give_the_same_probabilities(model, tmp_path):
    model.save(tmp_path / "m.joblib")
    loaded = li.LinearIntentModel.load(tmp_path / "m.joblib")
    assert loaded.probabilities("tva ?") == model.probabilities("tva ?")


def parse(intents, topics, key="default"):
    return {
        "intent": {"name": intents[0][0], "confidence": intents[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in intents],
        "response_selector": {"all_retrieval_intents": ["faq"], key: {
            "response": {"intent_response_key": f"faq/{topics[0][0]}", "confidence": topics[0][1]},
            "ranking": [{"id": i, "intent_response_key": f"faq/{t}", "confidence": c}
                        for i, (t, c) in enumerate(topics)]}},
    }


def test_rasa_probabilities_flatten_intents_and_topics():
    flat = li.rasa_probabilities(parse([("faq", 0.8), ("greet", 0.2)], [("vat", 0.75), ("cape_what", 0.25)]), ["faq"])
    assert flat == pytest.approx({"faq/vat": 0.6, "faq/cape_what": 0.2, "greet": 0.2})
    # Keyed by the retrieval intent itself rather than "default".
    flat = li.rasa_probabilities(parse([("faq", 1.0)], [("vat", 1.0)], key="faq"), ["faq"])
    assert flat == pytest.approx({"faq/vat": 1.0})


def test_blend_averages_with_the_given_weight_and_keeps_either_side_alone():
    assert li.blend({"a": 1.0}, {"a": 0.5, "b": 0.5}, 0.5) == pytest.approx({"a": 0.75, "b": 0.25})
    assert li.blend({"a": 1.0}, {}, 0.5) == {"a": 1.0}
    assert li.blend({}, {"b": 1.0}, 0.5) == {"b": 1.0}


def test_apply_blend_rewrites_intent_ranking_and_topic_ranking():
    data = parse([("greet", 0.6), ("faq", 0.4)], [("cape_what", 0.6), ("vat", 0.4)])
    responses = {"faq/vat": [{"text": "La TVA…"}]}
    li.apply_blend(data, {"greet": 0.2, "faq/vat": 0.6, "faq/cape_what": 0.2}, ["faq"], responses)
    assert data["intent"] == {"name": "faq", "confidence": pytest.approx(0.8)}
    assert [r["name"] for r in data["intent_ranking"]] == ["faq", "greet"]
    selector = data["response_selector"]["default"]
    assert [(r["intent_response_key"], round(r["confidence"], 3)) for r in selector["ranking"]] == [
        ("faq/vat", 0.75), ("faq/cape_what", 0.25)]
    assert selector["ranking"][0]["id"] == 1  # Rasa's ids are kept
    assert selector["response"]["intent_response_key"] == "faq/vat"
    assert selector["response"]["utter_action"] == "utter_faq/vat"
    assert selector["response"]["responses"] == [{"text": "La TVA…"}]
