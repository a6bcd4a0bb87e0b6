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
    # Known gap (issue 4 note): "stop" in the middle of the form is answered by
    # the out-of-form rule instead of ending the check; not asserted until fixed.


def test_unrecognised_situation_is_asked_again(servers):
    me = "elig-situation"
    ask(servers, me, "/check_eligibility")
    ask(servers, me, "je fais des sites web")
    ask(servers, me, "oui")
    reply = texts(ask(servers, me, "bof"))
    assert "situation" in reply
