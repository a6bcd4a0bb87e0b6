"""Answers that depend on the CAE: the same question gets the CAE's own rule
for two different profiles and the hedged general answer in network mode."""
import pytest

from bot.caes import load_dir
from bot.caes.answers import answer_for
from bot.faq import CAE_PLACEHOLDERS, load_topics, placeholders, render_responses

TOPICS = {t.id: t for t in load_topics()}
PROFILES = load_dir()
RESPONSES = render_responses(list(TOPICS.values()))  # once: rendering them all takes ~70 ms


def rendered(answer):
    """The text the person reads: the response's template filled as Rasa does."""
    template = RESPONSES[answer.response][0]["text"]
    return template.format(**answer.fill)


def test_contribution_differs_per_cae_and_is_hedged_without_one():
    topic = TOPICS["contribution_rate"]
    normandie = rendered(answer_for(topic, PROFILES["coop-normandie"]))
    lyon = rendered(answer_for(topic, PROFILES["coop-lyon"]))
    assert normandie.startswith("Chez Coopérative d'activité Normandie (exemple fictif, règles reprises du "
                                "rapport 2019 de Scop276), la contribution coopérative est de 11 % de votre marge brute.")
    assert "10 % de votre chiffre d'affaires, avec un minimum de 50 € par mois" in lyon
    assert "11 %" not in lyon
    general = answer_for(topic, None)
    assert general.response == "utter_faq/contribution_rate" and general.ask_where
    text = rendered(general)
    assert "entre 8 et 15 % de la marge brute" in text and "2020" in text and "10 à 15 %" in text


def test_hiring_differs_per_cae():
    topic = TOPICS["hiring_staff"]
    normandie = rendered(answer_for(topic, PROFILES["coop-normandie"]))
    lyon = rendered(answer_for(topic, PROFILES["coop-lyon"]))
    assert "vous ne pouvez pas embaucher vous-même" in normandie
    assert "vous pouvez recruter un salarié" in lyon
    # The general picture says whose rule "no hiring" is.
    assert "Scop276" in rendered(answer_for(topic, None))


def test_exclusions_list_or_the_none_variant():
    topic = TOPICS["excluded_activities"]
    normandie = answer_for(topic, PROFILES["coop-normandie"])
    assert normandie.response == "utter_cae_excluded_activities"
    assert "l'hébergement informatique (son assureur" in rendered(normandie)
    lyon = answer_for(topic, PROFILES["coop-lyon"])
    assert lyon.response == "utter_cae_excluded_activities_none"
    assert "aucune activité n'est exclue par son assureur" in rendered(lyon)


def test_a_profile_that_does_not_say_gets_the_general_answer():
    # coop-paris has no hiring rule: the general, attributed answer (not a made-up rule).
    answer = answer_for(TOPICS["hiring_staff"], PROFILES["coop-paris"])
    assert answer.response == "utter_faq/hiring_staff" and not answer.ask_where


def test_topics_without_cae_rule_never_ask_where():
    answer = answer_for(TOPICS["what_is_cae"], None)
    assert answer.response == "utter_faq/what_is_cae" and not answer.ask_where


@pytest.mark.parametrize("topic", [t for t in TOPICS.values() if t.cae_answer])
def test_every_cae_answer_fills_for_every_profile(topic):
    assert placeholders(topic.cae_answer) <= CAE_PLACEHOLDERS
    for profile in PROFILES.values():
        text = rendered(answer_for(topic, profile))
        assert "{" not in text and text.strip()
