"""Modules as data, calculators on worked examples, progress transitions and
scores, identity proofs."""
from __future__ import annotations

import re

import copy
from datetime import timedelta
from decimal import Decimal as D

import pytest
import yaml

from bot import identity
from bot.booking import service as booking
from bot.curriculum import calculators as calc
from bot.curriculum import service
from bot.curriculum.modules import CURRICULUM_DIR, ModuleError, load_dir, load_modules, parse_module
from bot.sources import passage_in_seed
from bot.storage.models import utcnow


# --------------------------------------------------------------------------- data

def test_three_modules_with_the_objectives_of_the_seeds():
    modules = load_modules()
    assert [m for m in modules] == ["cape_workshops", "ante_creation", "post_creation"]
    assert len(modules["ante_creation"].objectives) == 9
    assert len(modules["post_creation"].objectives) == 6
    # 10 days of CAPE workshops (7 hours a day).
    assert sum(o.estimated_minutes for o in modules["cape_workshops"].objectives) == 10 * 420


@pytest.mark.parametrize("mod", list(load_modules().values()), ids=lambda m: m.id)
def test_every_objective_rests_on_its_seed(mod):
    assert passage_in_seed(mod.source_file, mod.source_passage)
    for obj in mod.objectives:
        assert passage_in_seed(mod.source_file, obj.source), obj.id
        assert 2 <= len(obj.self_check) <= 3


def raw(name="ante_creation.yml"):
    return yaml.safe_load((CURRICULUM_DIR / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("break_it", [
    lambda d: d.pop("objectives"),
    lambda d: d["objectives"][0].pop("exercise"),
    lambda d: d["objectives"][0]["self_check"].pop(),  # only one question left
    lambda d: d["objectives"][0].update(estimated_minutes="une heure"),
    lambda d: d["objectives"][0]["self_check"][0].update(answer=3),  # not one of the 3 choices
    lambda d: d["objectives"][1].update(id=d["objectives"][0]["id"]),
    lambda d: d["objectives"][0].update(calculator="tableur"),
    lambda d: d.update(extra="?"),
])
def test_a_malformed_module_is_refused(break_it, tmp_path):
    data = copy.deepcopy(raw())
    break_it(data)
    with pytest.raises(ModuleError):
        parse_module(data)
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModuleError):
        load_dir(tmp_path)


# --------------------------------------------------------------------------- calculators

def plain(text: str) -> str:
    """Amounts use a narrow no-break space between thousands."""
    return text.replace("\u202f", " ")


def test_break_even_from_a_variable_cost_rate():
    result = calc.break_even(D(12000), variable_cost_rate=D("0.40"), monthly_turnover=D(2500))
    assert result.turnover == D(20000) and result.month == 8
    assert "12 000 € ÷ 60 % = 20 000 €" in plain(result.explanation())


def test_break_even_in_units():
    result = calc.break_even(D(9000), unit_price=D(50), unit_variable_cost=D(20))
    assert result.units == 300 and result.turnover == D(15000)
    assert calc.break_even(D(1000), unit_price=D(30), unit_variable_cost=D(20)).units == 100
    assert calc.break_even(D(1001), unit_price=D(30), unit_variable_cost=D(20)).units == 101


@pytest.mark.parametrize("kwargs", [
    {"unit_price": D(20), "unit_variable_cost": D(25)}, {"variable_cost_rate": D("1.2")}, {},
    {"variable_cost_rate": D("0.5"), "monthly_turnover": D(-1)},
    {"variable_cost_rate": D("0.5"), "contribution_rate": D(1)},
    {"variable_cost_rate": D("0.5"), "monthly_pay": D(-100)},
])
def test_break_even_refuses_impossible_figures(kwargs):
    with pytest.raises(calc.CalculatorError):
        calc.break_even(D(5000), **kwargs)


def test_break_even_never_reached_gives_no_month_and_says_what_would_change_it():
    # The review's case: 12 000 € a year, 40 % variable costs, 1 000 € a month
    # used to give "au 20e mois" while the activity loses money every month.
    result = calc.break_even(D(12000), variable_cost_rate=D("0.40"), monthly_turnover=D(1000))
    assert result.month is None and result.reached is False
    text = plain(result.explanation())
    assert not re.search(r"\d+(er|e) mois", text)
    assert "vous ne l'atteignez pas" in text
    assert "au moins 1 666,67 € par mois" in text  # 20 000 € / 12
    assert calc.ESTIMATE_NOTE in text


def test_break_even_reached_exactly_at_the_end_of_the_year_and_one_cent_short():
    assert calc.break_even(D(12000), variable_cost_rate=D("0.40"),
                           monthly_turnover=D("20000") / 12).month == 12
    short = calc.break_even(D(12000), variable_cost_rate=D("0.40"), monthly_turnover=D("1666.66"))
    assert short.month is None and short.reached is False


def test_break_even_counts_the_cae_contribution_and_the_pay():
    # 6 000 € fixed + 1 500 €/month pay = 24 000 € to cover; margin 60 %, 10 % of it
    # to the CAE: 54 % left of each euro; 24 000 / 0.54 = 44 444.44 €.
    result = calc.break_even(D(6000), variable_cost_rate=D("0.40"), contribution_rate=D("0.10"),
                             monthly_pay=D(1500), monthly_turnover=D(4000))
    assert result.turnover.quantize(D("0.01")) == D("44444.44")
    assert result.month == 12 and result.reached
    text = plain(result.explanation())
    assert "1 500 € × 12 mois = 18 000 €" in text and "6 000 € + 18 000 € = 24 000 €" in text
    assert "10 %" in text and "54 %" in text
    # Without the pay and the contribution the threshold would look four times lower.
    assert calc.break_even(D(6000), variable_cost_rate=D("0.40")).turnover == D(10000)


def test_break_even_not_reached_with_pay_proposes_the_affordable_pay():
    result = calc.break_even(D(6000), variable_cost_rate=D("0.40"), contribution_rate=D("0.10"),
                             monthly_pay=D(1500), monthly_turnover=D(3000))
    text = plain(result.explanation())
    assert result.month is None
    # 3 000 × 12 × 54 % = 19 440 € of margin; minus 6 000 € fixed = 13 440 € / 12 = 1 120 €.
    assert "au plus 1 120 € par mois" in text


def test_break_even_zero_costs_and_zero_turnover():
    nothing = calc.break_even(D(0), variable_cost_rate=D("0.3"), monthly_turnover=D(500))
    assert nothing.turnover == 0 and nothing.month == 1
    assert "pas de seuil à atteindre" in nothing.explanation()
    idle = calc.break_even(D(1000), variable_cost_rate=D("0.3"), monthly_turnover=D(0))
    assert idle.month is None and "vous ne l'atteignez pas" in idle.explanation()


def test_break_even_huge_numbers_stay_exact():
    result = calc.break_even(calc.MAX_AMOUNT, variable_cost_rate=D("0.99"), contribution_rate=D("0.5"),
                             monthly_pay=calc.MAX_AMOUNT, monthly_turnover=D(1))
    assert result.turnover == (calc.MAX_AMOUNT * 13) / (D("0.01") * D("0.5"))
    assert result.month is None and "vous ne l'atteignez pas" in result.explanation()
    with pytest.raises(calc.CalculatorError):
        calc.parse_amount("10000000000")


@pytest.mark.parametrize("typed, rate", [
    ("40 %", "0.4"), ("40", "0.4"), ("0,5 %", "0.005"), ("1%", "0.01"), ("1", "0.01"),
    ("12,5 pour cent", "0.125"), ("12.5 pourcent", "0.125"), ("8 %", "0.08"), ("aucun", "0"), ("0", "0"),
    ("99,9 %", "0.999"),
])
def test_rates_as_people_type_them(typed, rate):
    assert calc.parse_rate(typed) == D(rate)


@pytest.mark.parametrize("typed", ["0,4", "0.5", "150 %", "100 %", "-5 %", "beaucoup", ""])
def test_ambiguous_or_impossible_rates_are_asked_again(typed):
    with pytest.raises(calc.CalculatorError) as error:
        calc.parse_rate(typed)
    if typed == "0,4":
        assert "0,4 % ou 40 %" in error.value.args[0]


def test_cash_need_worked_example():
    result = calc.cash_need([D(0), D(1000), D(3000)], [D(1500)] * 3)
    assert result.balances == (D(-1500), D(-2000), D(-500))
    assert (result.need, result.worst_month) == (D(2000), 2)
    assert "besoin de trésorerie est donc de 2 000 €" in plain(result.explanation())
    assert calc.ESTIMATE_NOTE in result.explanation()
    assert calc.cash_need([D(100)], [D(50)]).need == 0
    with pytest.raises(calc.CalculatorError):
        calc.cash_need([D(1), D(2)], [D(1)])


@pytest.mark.parametrize("text,value", [("12 000", D(12000)), ("12000 €", D(12000)), ("1 234,50", D("1234.50")),
                                        ("12k", D(12000)), ("12.000,50", D("12000.50"))])
def test_amounts_as_people_type_them(text, value):
    assert calc.parse_amount(text) == value


@pytest.mark.parametrize("text", ["beaucoup", "", "1e999", "🙂"])
def test_bad_amounts_get_a_french_message(text):
    with pytest.raises(calc.CalculatorError) as error:
        calc.parse_amount(text)
    assert error.value.args[0]


def test_amount_lists():
    assert calc.parse_amounts("0 ; 1 000 ; 3000") == [D(0), D(1000), D(3000)]
    assert calc.parse_amounts("1000, 2000, 3000") == [D(1000), D(2000), D(3000)]


# --------------------------------------------------------------------------- progress

@pytest.fixture
def person(sample_db):
    session = booking.upcoming_sessions(sample_db)[0]
    booking.book(sample_db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                 consent=True, notify=False)
    from sqlalchemy import select
    from bot.storage.models import Person
    with sample_db.reader() as s:
        return s.execute(select(Person.id).where(Person.email == "lea@exemple.fr")).scalar_one()


def test_progress_transitions_scores_and_history(sample_db, person):
    db = sample_db
    assert service.enrol(db, person, "ante_creation", coach_id=None) is True
    assert service.enrol(db, person, "ante_creation") is False
    progress = service.person_progress(db, person)
    [mod] = progress["modules"]
    assert (mod["done"], mod["total"], mod["next"]["id"]) == (0, 9, "market_analysis")

    with pytest.raises(service.ProgressError):  # a coach validates only what is completed
        service.validate_objective(db, person, "market_analysis", coach_id=1)
    service.start_objective(db, person, "break_even")
    first = service.answer_self_check(db, person, "break_even", 0, 1)
    assert first.correct and first.next_question == 1 and "20 000" in first.text
    second = service.answer_self_check(db, person, "break_even", 1, 0)
    assert not second.correct and second.next_question is None
    again = service.answer_self_check(db, person, "break_even", 1, 1)  # a retry does not count
    assert (again.score, again.answered) == (1, 2)
    service.complete_objective(db, person, "break_even")
    with pytest.raises(service.ProgressError):
        service.complete_objective(db, person, "break_even")
    service.complete_objective(db, person, "market_analysis")  # not started: started then completed

    [mod] = service.person_progress(db, person)["modules"]
    statuses = {o["id"]: o["status"] for o in mod["objectives"]}
    assert statuses["break_even"] == statuses["market_analysis"] == "completed"
    assert mod["done"] == 2 and mod["next"]["id"] == "offer_and_needs"
    assert "2/9" in service.where_i_stand(service.person_progress(db, person))

    from bot.accounts import create_coach
    coach = create_coach(db, "coach@cae.test", "un mot de passe solide")
    service.validate_objective(db, person, "break_even", coach_id=coach)
    with pytest.raises(service.ProgressError):
        service.validate_objective(db, person, "break_even", coach_id=coach)
    actions = [(e["action"], e["objective_id"], e["actor"]) for e in service.history(db, person)]
    assert actions[0] == ("enrolled", None, "person")
    assert ("validated", "break_even", "coach") in actions
    assert [a for a, o, _ in actions if o == "break_even"] == ["started", "answered", "answered", "answered",
                                                              "completed", "validated"]


def test_objectives_outside_ones_modules_are_refused(sample_db, person):
    service.enrol(sample_db, person, "ante_creation")
    with pytest.raises(service.ProgressError):
        service.start_objective(sample_db, person, "brand_image")  # post-création


def test_match_objective_from_free_text(sample_db, person):
    service.enrol(sample_db, person, "ante_creation")
    assert service.match_objective(sample_db, person, "j'ai fini le seuil de rentabilite").id == "break_even"
    assert service.match_objective(sample_db, person, "xyz") is None


# --------------------------------------------------------------------------- identity

def test_coach_code_links_once(sample_db, person):
    code = identity.create_coach_code(sample_db, person)
    assert identity.linked_person(sample_db, "conv-a") is None
    assert identity.link_with_coach_code(sample_db, "conv-a", code.lower()) == person
    assert identity.linked_person(sample_db, "conv-a") == person
    with pytest.raises(identity.IdentityError):
        identity.link_with_coach_code(sample_db, "conv-b", code)  # single use
    expired = identity.create_coach_code(sample_db, person, now=utcnow() - timedelta(days=8))
    with pytest.raises(identity.IdentityError):
        identity.link_with_coach_code(sample_db, "conv-b", expired)


def test_email_code(sample_db, person, tmp_path):
    outbox = tmp_path / "outbox"
    address = identity.send_email_code(sample_db, "conv-e", "LEA@exemple.fr")
    assert address == "lea@exemple.fr"
    [mail] = list(outbox.glob("*.eml"))
    import re
    code = re.search(r"code de vérification est : (\d{6})", mail.read_text()).group(1)
    with pytest.raises(identity.IdentityError):
        identity.check_email_code(sample_db, "conv-other", code)  # another conversation
    with pytest.raises(identity.IdentityError) as wrong:
        identity.check_email_code(sample_db, "conv-e", "000000" if code != "000000" else "111111")
    assert "reste 4 essai" in wrong.value.message_fr
    assert identity.check_email_code(sample_db, "conv-e", code) == person
    assert identity.linked_person(sample_db, "conv-e") == person
    # An unknown address gets the same answer and no e-mail.
    identity.send_email_code(sample_db, "conv-x", "personne@exemple.fr")
    assert len(list(outbox.glob("*.eml"))) == 1
    with pytest.raises(identity.IdentityError):
        identity.check_email_code(sample_db, "conv-x", "123456")


def test_email_code_attempts_are_limited(sample_db, person, tmp_path):
    identity.send_email_code(sample_db, "conv-f", "lea@exemple.fr")
    for _ in range(identity.MAX_ATTEMPTS):
        with pytest.raises(identity.IdentityError):
            identity.check_email_code(sample_db, "conv-f", "abcdef")
    import re
    code = re.search(r": (\d{6})", next((tmp_path / "outbox").glob("*.eml")).read_text()).group(1)
    with pytest.raises(identity.IdentityError):
        identity.check_email_code(sample_db, "conv-f", code)  # locked after 5 wrong tries
