"""The eligibility conversation over the REST channel, real servers."""
from __future__ import annotations

import pytest

from bot.storage.models import EligibilityOutcome
from tests.support import chat, payloads, stored_rows, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def test_happy_path_plumber_is_sent_to_a_building_cae(servers):
    me = "elig-happy"
    assert "Décrivez votre projet" in texts(chat(servers, me, "/check_eligibility"))
    confirm = texts(chat(servers, me, "je suis plombier"))
    assert "plombier" in confirm and "C'est bien ça ?" in confirm
    assert "situation" in texts(chat(servers, me, "oui"))
    assert "embaucher" in texts(chat(servers, me, "je suis au chômage"))
    assert "bail commercial" in texts(chat(servers, me, "non"))
    assert "investissements" in texts(chat(servers, me, "non"))
    verdict = chat(servers, me, "non")
    assert "bâtiment" in texts(verdict)
    assert "/check_eligibility" in payloads(verdict)


def test_denied_activity_is_asked_again(servers):
    me = "elig-unhappy"
    chat(servers, me, "/check_eligibility")
    chat(servers, me, "je suis avocate")
    again = texts(chat(servers, me, "non"))
    assert "Décrivez votre projet" in again
    confirm = texts(chat(servers, me, "je suis graphiste"))
    assert "graphiste" in confirm and "C'est bien ça ?" in confirm
    assert "j'arrête la vérification" in texts(chat(servers, me, "stop"))


def test_bare_job_title_is_an_answer_not_a_stop(servers):
    me = "elig-bare"
    chat(servers, me, "/check_eligibility")
    chat(servers, me, "je suis avocate")
    chat(servers, me, "non")
    confirm = texts(chat(servers, me, "graphiste"))
    assert "graphiste" in confirm and "C'est bien ça ?" in confirm


def test_verdict_is_recorded_for_the_coaches(servers):
    me = "elig-recorded"
    chat(servers, me, "/check_eligibility")
    chat(servers, me, "je suis plombier")
    for answer in ("oui", "je suis au chômage", "non", "non", "non"):
        replies = chat(servers, me, answer)
    assert payloads(replies)[:2] == ['/ask_topic{"faq_topic":"specialised_caes"}', "/human_handoff"]
    rows = stored_rows(servers, EligibilityOutcome, me)
    assert [(r.status, r.redirect) for r in rows] == [("redirect", "batiment")]


def test_unrecognised_situation_is_asked_again(servers):
    me = "elig-situation"
    chat(servers, me, "/check_eligibility")
    chat(servers, me, "je fais des sites web")
    chat(servers, me, "oui")
    reply = texts(chat(servers, me, "bof"))
    assert "situation" in reply


def test_dont_know_and_a_correction_later_in_the_form(servers):
    me = "elig-correction"
    chat(servers, me, "/check_eligibility")
    assert "Pas de souci" in texts(chat(servers, me, "je ne sais pas"))
    assert "plombier" in texts(chat(servers, me, "je suis plombier"))
    assert "situation" in texts(chat(servers, me, "oui"))
    confirm = texts(chat(servers, me, "en fait je suis menuisier"))
    assert "menuisier" in confirm and "C'est bien ça ?" in confirm
