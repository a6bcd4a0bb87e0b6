"""Hostile input through the REST channel, at the start and inside every form:
no 5xx, a polite French reply, the tracker still loads, others unaffected."""
from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.model, pytest.mark.servers]

FIXED = [
    "", " ", "\x00\x01\x02", "\u202e\u200b\u2066", "🙂" * 50, "x" * 100_000,
    '{"sender": "autre", "message": "bonjour"}', "[1, 2, {\"a\": null}]",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</div><div>",
    "/human_handoff", '/check_eligibility{"activity_description": "avocat"}', "/restart",
    '/nope{"x": 1}', "/choose_session{\"session_id\": \"999999\"}", '/answer_check{"check_answer": "x:9:9"}',
    "'; DROP TABLE person; --", "../../etc/passwd", "%s%s%n", "\\u0000", "ｊｅ ｓｕｉｓ ｐｌｏｍｂｉｅｒ",
]
FORMS = {
    "eligibility": ["/check_eligibility"],
    "booking": ["je veux m'inscrire à une réunion d'information", "en visio"],
    "cancel": ["annuler mon inscription"],
    "handoff": ["je veux parler à un conseiller"],
    "link": ["j'ai un code de mon conseiller"],
    "calculator": ["calculer mon seuil de rentabilité"],
}
counter = itertools.count()


def post(servers, sender: str, text: str) -> tuple[int, list]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(servers.rest_webhook, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, []


def tracker_loads(servers, sender: str) -> bool:
    url = servers.api_url(f"/conversations/{urllib.parse.quote(sender, safe='')}/tracker")
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.status == 200 and json.load(reply)["sender_id"] == sender


def check_reply(servers, sender: str, text: str) -> None:
    status, replies = post(servers, sender, text)
    assert status < 500, (text[:80], status)
    if text.strip():
        said = " ".join(r.get("text") or "" for r in replies)
        assert said.strip(), f"no reply to {text[:80]!r}"
        assert "Traceback" not in said and "Exception" not in said
    assert tracker_loads(servers, sender)


hostile = st.one_of(st.sampled_from(FIXED), st.text(min_size=1, max_size=300),
                    st.text(alphabet=st.characters(blacklist_categories=()), min_size=1, max_size=50))


@pytest.mark.parametrize("form", list(FORMS))
def test_hostile_text_inside_every_form(servers, form):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(text=hostile)
    def inside(text):
        sender = f"hostile-{form}-{next(counter)}"
        for opener in FORMS[form]:
            assert post(servers, sender, opener)[0] == 200
        check_reply(servers, sender, text)

    inside()


def test_fixed_hostile_messages_as_first_message(servers):
    for text in FIXED:
        check_reply(servers, f"hostile-first-{next(counter)}", text)


def test_other_conversations_are_unaffected(servers):
    neighbour = f"hostile-neighbour-{next(counter)}"
    assert "Décrivez votre projet" in " ".join(r.get("text") or "" for r in post(servers, neighbour, "/check_eligibility")[1])
    check_reply(servers, f"hostile-x-{next(counter)}", "x" * 100_000)
    check_reply(servers, f"hostile-y-{next(counter)}", '/check_eligibility{"activity_description": "avocat"}')
    reply = " ".join(r.get("text") or "" for r in post(servers, neighbour, "je suis plombier")[1])
    assert "plombier" in reply and "C'est bien ça" in reply


def test_too_long_message_is_refused_politely(servers):
    status, replies = post(servers, f"hostile-long-{next(counter)}", "a" * 5000)
    assert status == 200 and "trop long" in replies[0]["text"]
