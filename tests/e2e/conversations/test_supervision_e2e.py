"""A server killed mid-conversation is started again by the supervisor and
the booking goes on with what was typed before (real servers, REST channel).
Also: no token on Rasa's command line."""
from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request

import pytest

from bot.rasa.speedups import DOWN_REPLY
from bot.servers import http_ok
from tests.support import chat, payloads, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def start_booking(servers, me: str) -> None:
    """Up to the consent question."""
    assert "Où souhaitez-vous" in texts(chat(servers, me, "je veux m'inscrire à une réunion d'information"))
    sessions = chat(servers, me, "en visio")
    assert "Êtes-vous d'accord" in texts(chat(servers, me, payloads(sessions)[0]))


def finish_booking(servers, me: str, email: str, name: str) -> None:
    assert "téléphone" in texts(chat(servers, me, email))
    recap = texts(chat(servers, me, "non"))
    assert "Je récapitule" in recap and email in recap and name in recap
    assert "C'est confirmé" in texts(chat(servers, me, "oui"))


def kill(servers, name: str) -> int:
    process = servers.processes[name]
    process.send_signal(signal.SIGKILL)
    process.wait()
    return process.pid


def wait_for(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not back in time"
        time.sleep(0.5)


def journal(servers) -> str:
    return (servers.log_dir / "supervisor.log").read_text()


def test_rasa_token_is_not_on_its_command_line(servers):
    cmdline = open(f"/proc/{servers.processes['rasa'].pid}/cmdline", "rb").read().decode()
    assert "bot.rasa.server" in cmdline and "--enable-api" in cmdline
    assert servers.token not in cmdline and "--auth-token" not in cmdline
    with urllib.request.urlopen(servers.api_url("/status"), timeout=10) as reply:
        assert reply.status == 200  # the token still protects (and opens) the API
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{servers.rasa_url}/status", timeout=10)
    assert refused.value.code == 401


def test_a_killed_action_server_restarts_and_the_message_sent_meanwhile_is_answered(servers):
    me = "supervision-actions"
    start_booking(servers, me)
    assert "prénom" in texts(chat(servers, me, "oui"))
    assert "nom de famille" in texts(chat(servers, me, "Léa"))
    assert "e-mail" in texts(chat(servers, me, "Martin"))
    killed = kill(servers, "actions")
    # Sent while the action server is down: Rasa waits for the restart.
    finish_booking(servers, me, "lea.supervision@exemple.fr", "Léa Martin")
    assert servers.processes["actions"].pid != killed
    assert "Arrêt inattendu : le serveur d'actions (code -9" in journal(servers)


def test_an_action_server_down_too_long_gets_a_french_answer_and_keeps_the_form(servers):
    me = "supervision-down"
    start_booking(servers, me)
    assert "prénom" in texts(chat(servers, me, "oui"))
    assert "nom de famille" in texts(chat(servers, me, "Paul"))
    servers.supervisor.hold("actions")
    try:
        reply = texts(chat(servers, me, "Lefort"))  # waits CAE_ACTIONS_RETRY_SECONDS
        assert DOWN_REPLY in reply
    finally:
        servers.supervisor.release("actions")
    wait_for(lambda: http_ok(f"{servers.actions_url}/health"), 60)
    # The message is sent again: the form goes on where it was, the first name kept.
    assert "e-mail" in texts(chat(servers, me, "Lefort"))
    finish_booking(servers, me, "paul.lefort@exemple.fr", "Paul Lefort")


def test_killed_web_app_and_rasa_restart_and_the_booking_goes_on(servers):
    me = "supervision-rasa-web"
    start_booking(servers, me)
    killed_web = kill(servers, "web")
    wait_for(lambda: http_ok(f"{servers.web_url}/health"), 60)
    assert servers.processes["web"].pid != killed_web
    assert "prénom" in texts(chat(servers, me, "oui"))
    assert "nom de famille" in texts(chat(servers, me, "Inès"))
    killed_rasa = kill(servers, "rasa")
    wait_for(servers._ready, 300)  # the model loads again: about a minute
    assert servers.processes["rasa"].pid != killed_rasa
    assert "e-mail" in texts(chat(servers, me, "Bernard"))
    finish_booking(servers, me, "ines.bernard@exemple.fr", "Inès Bernard")
    log = journal(servers)
    assert "Arrêt inattendu : l'application web" in log and "Arrêt inattendu : le serveur Rasa" in log
