from bot.suggestions import suggest

TITLES = {"what_is_cae": "Qu'est-ce qu'une CAE ?", "cape": "Le CAPE", "vat": "La TVA"}


def parse(intents, faq=None):
    data = {"intent_ranking": [{"name": n, "confidence": c} for n, c in intents]}
    if faq is not None:
        data["response_selector"] = {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in faq]}
        }
    return data


def test_topics_of_a_likely_retrieval_intent_come_first_weighted_by_it():
    choices = suggest(
        parse([("faq", 0.6), ("help", 0.2), ("greet", 0.2)],
              faq=[("cape", 0.5), ("what_is_cae", 0.3), ("vat", 0.2)]),
        topic_titles=TITLES,
    )
    # 0.6 x 0.5 = 0.30, help 0.20, 0.6 x 0.3 = 0.18 (vat: 0.12, fourth, left out)
    assert [c.title for c in choices] == ["Le CAPE", "Ce que je sais faire", "Qu'est-ce qu'une CAE ?"]
    assert choices[0].payload == '/ask_topic{"faq_topic":"cape"}'
    assert abs(choices[0].confidence - 0.3) < 1e-9


def test_never_proposes_small_talk_or_unknown_topics_and_caps_at_three():
    choices = suggest(
        parse([("faq", 0.9), ("greet", 0.1)], faq=[("unknown", 0.9), ("cape", 0.04), ("vat", 0.06)]),
        topic_titles=TITLES,
        limit=3,
    )
    # "unknown" has no title, cape is under the floor once weighted; greet is never proposed.
    assert [c.title for c in choices] == ["La TVA"]


def test_nothing_to_propose_gives_an_empty_list():
    assert suggest(parse([("greet", 0.5), ("goodbye", 0.5)])) == []
    assert suggest({}) == []


def test_decide_topic_answers_only_a_clear_favourite():
    from bot.answering import decide_topic

    def selector(key, *ranking):
        return {"response_selector": {"all_retrieval_intents": ["faq"], key: {"ranking": [
            {"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}}}

    assert decide_topic(selector("default", ("cape", 0.9), ("vat", 0.05))).topic == "cape"
    assert decide_topic(selector("faq", ("cape", 0.9), ("vat", 0.05))).topic == "cape"
    assert decide_topic(selector("default", ("cape", 0.45), ("vat", 0.05))).topic is None  # not confident
    assert decide_topic(selector("default", ("cape", 0.55), ("vat", 0.45))).topic is None  # too close
    assert decide_topic({}).topic is None
