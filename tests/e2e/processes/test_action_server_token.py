"""The action server answers only callers with the shared token (Rasa sends it
as ?token=...); its command line and Rasa's hold no token."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bot.servers import ActionServer, free_port
from bot.settings import ROOT


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


pytestmark = pytest.mark.slow  # starts the action server (~10 s)


@pytest.fixture(scope="module")
def actions():
    with ActionServer(free_port(), "127.0.0.1") as server:
        yield server


def test_calls_without_or_with_a_wrong_token_are_refused(actions):
    assert status(f"{actions.url}/health") == 200  # stays open for the supervisor and nginx
    assert status(f"{actions.url}/actions") == 403
    assert status(f"{actions.url}/actions?token=wrong") == 403
    assert status(f"{actions.url}/actions?token={actions.token}") == 200
    body = json.dumps({"next_action": "action_my_data", "sender_id": "someone",
                       "tracker": {"sender_id": "someone", "events": [], "slots": {}}}).encode()
    request = urllib.request.Request(f"{actions.url}/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_rasa_sends_the_token_from_its_endpoint_config(actions):
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    async def call(token):
        return await EndpointConfig(actions.url, token=token).request(method="get", subpath="actions")

    listed = asyncio.run(call(actions.token))
    assert {"name": "action_answer_faq"} in listed
    with pytest.raises(ClientResponseError) as refused:
        asyncio.run(call("wrong"))
    assert refused.value.status == 403


def test_the_token_is_not_on_the_command_line(actions):
    cmdline = open(f"/proc/{actions.process.pid}/cmdline", "rb").read().decode()
    assert actions.token not in cmdline


def test_without_a_token_the_action_server_does_not_start():
    env = {"PATH": "/usr/bin", "SANIC_HOST": "127.0.0.1"}
    result = subprocess.run([sys.executable, "-m", "bot.rasa.action_server", "--actions", "actions",
                             "--port", str(free_port())], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "no token" in result.stderr


def test_the_rasa_launcher_refuses_a_token_on_the_command_line():
    from bot.rasa import server as rasa_server

    with pytest.raises(SystemExit) as stopped:
        rasa_server.main(["run", "--auth-token", "visible"])
    assert "not on the command line" in str(stopped.value)
