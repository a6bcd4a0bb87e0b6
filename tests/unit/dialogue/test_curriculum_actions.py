"""The training follow-up actions on a real SQLite database (no model)."""
from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.curriculum import calculators, linking
from actions.curriculum import progress as actions
from bot import identity
from bot.booking import service as booking
from bot.curriculum import service
from bot.storage.models import Person
from tests.support import rendered_texts


def tracker(slots=None, text="", intent=None, sender="chat-1"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {}}
    return Tracker(sender, slots or {}, latest, [], False, None, {}, "action_listen")


def enrolled_person(db) -> int:
    session = booking.upcoming_sessions(db)[0]
    booking.book(db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                 consent=True, notify=False)
    with db.reader() as s:
        pid = s.execute(select(Person.id).where(Person.email == "lea@exemple.fr")).scalar_one()
    service.enrol(db, pid, "ante_creation")
    return pid


async def test_nothing_is_shown_before_the_conversation_is_linked(sample_db):
    enrolled_person(sample_db)
    for action in (actions.ActionWhereAmI(), actions.ActionNextObjective(), actions.ActionObjectiveDone()):
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, tracker(), {})
        assert dispatcher.messages[0]["buttons"] == [actions.LINK_BUTTON]
        assert "0/9" not in rendered_texts(dispatcher)[0]


async def test_link_with_a_coach_code_then_work_through_an_objective(sample_db):
    pid = enrolled_person(sample_db)
    code = identity.create_coach_code(sample_db, pid)
    form = linking.ValidateLinkForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_link_proof("ABCDEFGH", dispatcher, tracker(), {}) == {"link_proof": None}
    assert "inconnu" in rendered_texts(dispatcher)[-1]
    assert await form.validate_link_proof(code, dispatcher, tracker(), {}) == {"link_proof": "coach_code"}
    assert await form.required_slots(["link_proof", "link_email_code"], dispatcher,
                                     tracker({"link_proof": "coach_code"}), {}) == ["link_proof"]

    dispatcher = CollectingDispatcher()
    await actions.ActionWhereAmI().run(dispatcher, tracker(), {})
    assert "0/9" in rendered_texts(dispatcher)[0] and "Connaître son activité" in rendered_texts(dispatcher)[0]

    dispatcher = CollectingDispatcher()
    await actions.ActionNextObjective().run(dispatcher, tracker(), {})
    assert rendered_texts(dispatcher)[0].startswith("Objectif : Connaître son activité")
    question = dispatcher.messages[-1]
    assert rendered_texts(dispatcher)[-1].startswith("Question 1/2")
    payload = question["buttons"][1]["payload"]  # the right answer
    answer = re.search(r'"check_answer": "([^"]+)"', payload).group(1)

    dispatcher = CollectingDispatcher()
    await actions.ActionAnswerCheck().run(dispatcher, tracker({"check_answer": answer}), {})
    assert rendered_texts(dispatcher)[0].startswith("✔")
    assert rendered_texts(dispatcher)[1].startswith("Question 2/2")
    wrong = re.search(r'"check_answer": "([^"]+)"', dispatcher.messages[1]["buttons"][0]["payload"]).group(1)
    dispatcher = CollectingDispatcher()
    await actions.ActionAnswerCheck().run(dispatcher, tracker({"check_answer": wrong}), {})
    assert rendered_texts(dispatcher)[0].startswith("✘") and "Score : 1/2" in rendered_texts(dispatcher)[1]

    dispatcher = CollectingDispatcher()
    await actions.ActionObjectiveDone().run(dispatcher, tracker(text="/objective_done"), {})
    assert "est terminé" in rendered_texts(dispatcher)[0]
    dispatcher = CollectingDispatcher()
    await actions.ActionWhereAmI().run(dispatcher, tracker(), {})
    assert "1/9" in rendered_texts(dispatcher)[0] and "Définir son offre" in rendered_texts(dispatcher)[0]
    # Another conversation sees nothing.
    dispatcher = CollectingDispatcher()
    await actions.ActionWhereAmI().run(dispatcher, tracker(sender="chat-2"), {})
    assert "1/9" not in rendered_texts(dispatcher)[0]


async def test_done_with_a_named_objective(sample_db):
    pid = enrolled_person(sample_db)
    identity.link_with_coach_code(sample_db, "chat-1", identity.create_coach_code(sample_db, pid))
    dispatcher = CollectingDispatcher()
    await actions.ActionObjectiveDone().run(dispatcher, tracker(text="j'ai terminé le seuil de rentabilité"), {})
    assert "Connaître son seuil de rentabilité" in rendered_texts(dispatcher)[0]


async def test_link_by_email_code(sample_db, tmp_path):
    enrolled_person(sample_db)
    form = linking.ValidateLinkForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_link_proof("mon mail c'est lea@exemple.fr", dispatcher, tracker(), {})
    assert result == {"link_proof": "lea@exemple.fr"}
    assert await form.required_slots(["link_proof", "link_email_code"], dispatcher,
                                     tracker(result), {}) == ["link_proof", "link_email_code"]
    code = re.search(r": (\d{6})", next((tmp_path / "outbox").glob("*.eml")).read_text()).group(1)
    assert await form.validate_link_email_code("12", dispatcher, tracker(result), {}) == {"link_email_code": None}
    assert await form.validate_link_email_code(code, dispatcher, tracker(result), {}) == {"link_email_code": "ok"}
    assert identity.linked_person(sample_db, "chat-1") is not None


async def test_break_even_calculator_form():
    form = calculators.ValidateBreakEvenForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_be_fixed_costs("beaucoup", dispatcher, tracker(), {}) == {"be_fixed_costs": None}
    assert await form.validate_be_fixed_costs("12 000 €", dispatcher, tracker(), {}) == {"be_fixed_costs": "12000"}
    assert await form.validate_be_variable_rate("40 %", dispatcher, tracker(), {}) == {"be_variable_rate": "0.4"}
    assert await form.validate_be_variable_rate("150 %", dispatcher, tracker(), {}) == {"be_variable_rate": None}
    assert await form.validate_be_monthly_turnover("passer", dispatcher, tracker(), {}) == {"be_monthly_turnover": "-"}
    dispatcher = CollectingDispatcher()
    await calculators.ActionBreakEven().run(dispatcher, tracker(
        {"be_fixed_costs": "12000", "be_variable_rate": "0.4", "be_contribution_rate": "0",
         "be_monthly_pay": "0", "be_monthly_turnover": "-"}), {})
    assert "20\u202f000 € de chiffre d'affaires" in rendered_texts(dispatcher)[0]


async def test_rates_typed_as_people_type_them_reach_the_slots():
    form = calculators.ValidateBreakEvenForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_be_contribution_rate("0,5 %", dispatcher, tracker(), {}) == {
        "be_contribution_rate": "0.005"}
    assert await form.validate_be_contribution_rate("1%", dispatcher, tracker(), {}) == {
        "be_contribution_rate": "0.01"}
    assert await form.validate_be_variable_rate("12,5 pour cent", dispatcher, tracker(), {}) == {
        "be_variable_rate": "0.125"}
    assert await form.validate_be_contribution_rate("je ne sais pas", dispatcher, tracker(), {}) == {
        "be_contribution_rate": "-"}
    assert dispatcher.messages == []
    assert await form.validate_be_variable_rate("0,4", dispatcher, tracker(), {}) == {"be_variable_rate": None}
    assert "0,4 % ou 40 %" in rendered_texts(dispatcher)[-1]
    assert await form.validate_be_monthly_pay("-200", dispatcher, tracker(), {}) == {"be_monthly_pay": None}


async def test_break_even_never_reached_through_the_action():
    dispatcher = CollectingDispatcher()
    events = await calculators.ActionBreakEven().run(dispatcher, tracker(
        {"be_fixed_costs": "12000", "be_variable_rate": "0.4", "be_contribution_rate": "0",
         "be_monthly_pay": "0", "be_monthly_turnover": "1000"}), {})
    text = rendered_texts(dispatcher)[0].replace("\u202f", " ")
    assert "vous ne l'atteignez pas" in text and "20e mois" not in text
    assert "1 666,67 € par mois" in text and "estimation" in text
    assert {e["name"]: e["value"] for e in events}["be_fixed_costs"] is None


async def test_unknown_contribution_counts_the_prudent_rate_and_says_where_it_comes_from():
    dispatcher = CollectingDispatcher()
    await calculators.ActionBreakEven().run(dispatcher, tracker(
        {"be_fixed_costs": "6000", "be_variable_rate": "0.4", "be_contribution_rate": "-",
         "be_monthly_pay": "1500", "be_monthly_turnover": "5000"}), {})
    text = rendered_texts(dispatcher)[0].replace("\u202f", " ")
    assert "je compte 15 %" in text and "8 et 15 %" in text and "2020" in text and "Scop276" in text
    assert "renseignez-vous auprès de la vôtre" in text
    # 24 000 € / (60 % × 85 %) = 47 058,82 €
    assert "47 058,82 €" in text and "10e mois" in text


async def test_zero_and_huge_figures_through_the_action():
    dispatcher = CollectingDispatcher()
    await calculators.ActionBreakEven().run(dispatcher, tracker(
        {"be_fixed_costs": "0", "be_variable_rate": "0", "be_contribution_rate": "0",
         "be_monthly_pay": "0", "be_monthly_turnover": "-"}), {})
    assert "pas de seuil à atteindre" in rendered_texts(dispatcher)[0]
    dispatcher = CollectingDispatcher()
    await calculators.ActionBreakEven().run(dispatcher, tracker(
        {"be_fixed_costs": "1000000000", "be_variable_rate": "0.99", "be_contribution_rate": "0.5",
         "be_monthly_pay": "1000000000", "be_monthly_turnover": "1"}), {})
    assert "vous ne l'atteignez pas" in rendered_texts(dispatcher)[0]


async def test_cash_need_calculator_form():
    form = calculators.ValidateCashNeedForm()
    dispatcher = CollectingDispatcher()
    inflows = await form.validate_cash_inflows("0 ; 1000 ; 3000", dispatcher, tracker(), {})
    assert inflows == {"cash_inflows": "0;1000;3000"}
    assert await form.validate_cash_outflows("1500 ; 1500", dispatcher, tracker(inflows), {}) == {"cash_outflows": None}
    outflows = await form.validate_cash_outflows("1500;1500;1500", dispatcher, tracker(inflows), {})
    dispatcher = CollectingDispatcher()
    await calculators.ActionCashNeed().run(dispatcher, tracker({**inflows, **outflows}), {})
    assert "au mois 2" in rendered_texts(dispatcher)[0] and "2\u202f000 €" in rendered_texts(dispatcher)[0]
    assert "estimation" in rendered_texts(dispatcher)[0]
