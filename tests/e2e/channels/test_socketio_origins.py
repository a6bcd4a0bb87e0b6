"""The widget's socket.io endpoint answers only the configured origins."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.model, pytest.mark.servers]


def handshake(servers, origin: str | None):
    request = urllib.request.Request(f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling")
    if origin:
        request.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers.get_all("Access-Control-Allow-Origin") or [], reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_all("Access-Control-Allow-Origin") or [], error.read().decode()


def test_the_widget_page_origin_may_connect(servers):
    origin = servers.web_url
    assert origin in servers.allowed_origins
    status, allow, body = handshake(servers, origin)
    assert status == 200, body
    assert '"sid"' in body
    assert allow == [origin]  # exactly one header, or browsers refuse the answer


def test_another_origin_is_refused(servers):
    status, allow, body = handshake(servers, "https://site-malveillant.example")
    assert status == 400, body
    assert "not an accepted origin" in body
    assert "https://site-malveillant.example" not in allow
