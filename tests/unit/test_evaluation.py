from bot.evaluation import Outcome, Report, answered_topic

ANSWERS = {"cape": "Le CAPE est un contrat.", "vat": "La TVA est collectée par la CAE."}


def test_the_answered_topic_is_recognised_from_the_reply_text():
    replies = [{"text": "  La TVA est collectée par la CAE. "}, {"text": "autre"}]
    assert answered_topic(replies, ANSWERS) == "vat"
    assert answered_topic([{"text": "Vouliez-vous parler de…", "buttons": []}], ANSWERS) is None
    assert answered_topic([{"image": "x"}], ANSWERS) is None


def test_report_counts_precision_recall_accuracy_and_confident_errors():
    report = Report([
        Outcome("q1", "cape", "cape"),
        Outcome("q2", "cape", "vat"),   # confident wrong answer
        Outcome("q3", "vat", "vat"),
        Outcome("q4", "vat", None),     # choices proposed
    ])
    assert report.accuracy == 0.5
    assert [o.text for o in report.confident_errors] == ["q2"]
    assert report.per_topic() == {"cape": (1.0, 0.5, 2), "vat": (0.5, 0.5, 2)}
    text = report.format()
    assert "accuracy: 0.500" in text and "[cape -> vat] q2" in text and "[vat -> (pas de réponse)] q4" in text


def test_several_questions_count_only_when_every_topic_is_answered_in_order():
    from bot.evaluation import MultiOutcome, MultiReport, answered_topics

    replies = [{"text": "Le CAPE est un contrat."}, {"text": "autre"}, {"text": "La TVA est collectée par la CAE."}]
    assert answered_topics(replies, ANSWERS) == ["cape", "vat"]
    report = MultiReport([
        MultiOutcome("q1", ("cape", "vat"), ("cape", "vat")),
        MultiOutcome("q2", ("cape", "vat"), ("vat", "cape")),  # both, wrong order
        MultiOutcome("q3", ("cape", "vat"), ("cape",)),
        MultiOutcome("q4", ("cape", "vat"), ("other",)),
    ])
    assert (report.right, report.topics_right, report.wrong_answers) == (1, 5, 1)
    assert "every question answered in order: 1" in report.format()
    assert "[cape, vat -> cape] q3" in report.format()
