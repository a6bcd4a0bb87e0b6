"""The eligibility conversation over the REST channel, real servers."""
from __future__ import annotations

import pytest

from tests.core.test_faq_e2e import ask

pytestmark = [pytest.mark.model, pytest.mark.servers]


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


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
    assert any(b["payload"] == "/check_eligibility" for r in verdict for b in r.get("buttons") or [])


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
    from sqlalchemy import select

    from bot.storage.db import Database
    from bot.storage.models import EligibilityOutcome

    me = "elig-recorded"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je suis plombier")
    for answer in ("oui", "je suis au chômage", "non", "non", "non"):
        replies = ask(servers, me, answer)
    assert "/book_session" in [b["payload"] for r in replies for b in r.get("buttons") or []] or \
        "/human_handoff" in [b["payload"] for r in replies for b in r.get("buttons") or []]
    db = Database(servers.database_url)
    with db.reader() as s:
        rows = s.execute(select(EligibilityOutcome).where(
            EligibilityOutcome.conversation_id == me)).scalars().all()
    db.dispose()
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
