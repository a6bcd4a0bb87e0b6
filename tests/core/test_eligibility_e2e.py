"""The eligibility conversation over the REST channel, real servers."""
from __future__ import annotations

import pytest

from bot.storage.models import EligibilityOutcome
from tests.core.helpers import ask, payloads, stored_rows, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def test_happy_path_plumber_is_sent_to_a_building_cae(servers):
    me = "elig-happy"
    assert "Décrivez votre projet" in texts(ask(servers, me, "/check_eligibility"))
    confirm = texts(ask(servers, me, "je suis plombier"))
    assert "plombier" in confirm and "C'est bien ça ?" in confirm
    assert "situation" in texts(ask(servers, me, "oui"))
    assert "embaucher" in texts(ask(servers, me, "je suis au chômage"))
    assert "bail commercial" in texts(ask(servers, me, "non"))
    assert "investissements" in texts(ask(servers, me, "non"))
    verdict = ask(servers, me, "non")
    assert "bâtiment" in texts(verdict)
    assert "/check_eligibility" in payloads(verdict)


def test_denied_activity_is_asked_again(servers):
    me = "elig-unhappy"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je suis avocate")
    again = texts(ask(servers, me, "non"))
    assert "Décrivez votre projet" in again
    confirm = texts(ask(servers, me, "je suis graphiste"))
    assert "graphiste" in confirm and "C'est bien ça ?" in confirm
    assert "j'arrête la vérification" in texts(ask(servers, me, "stop"))


def test_bare_job_title_is_an_answer_not_a_stop(servers):
    me = "elig-bare"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je suis avocate")
    ask(servers, me, "non")
    confirm = texts(ask(servers, me, "graphiste"))
    assert "graphiste" in confirm and "C'est bien ça ?" in confirm


def test_verdict_is_recorded_for_the_coaches(servers):
    me = "elig-recorded"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je suis plombier")
    for answer in ("oui", "je suis au chômage", "non", "non", "non"):
        replies = ask(servers, me, answer)
    assert payloads(replies)[:2] == ['/ask_topic{"faq_topic":"specialised_caes"}', "/human_handoff"]
    rows = stored_rows(servers, EligibilityOutcome, me)
    assert [(r.status, r.redirect) for r in rows] == [("redirect", "batiment")]


def test_unrecognised_situation_is_asked_again(servers):
    me = "elig-situation"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je fais des sites web")
    ask(servers, me, "oui")
    reply = texts(ask(servers, me, "bof"))
    assert "situation" in reply


def test_dont_know_and_a_correction_later_in_the_form(servers):
    me = "elig-correction"
    ask(servers, me, "/check_eligibility")
    assert "Pas de souci" in texts(ask(servers, me, "je ne sais pas"))
    assert "plombier" in texts(ask(servers, me, "je suis plombier"))
    assert "situation" in texts(ask(servers, me, "oui"))
    confirm = texts(ask(servers, me, "en fait je suis menuisier"))
    assert "menuisier" in confirm and "C'est bien ça ?" in confirm
