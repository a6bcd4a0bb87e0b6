"""The readable export (issue 25, item 7): who we are, what we hold and why,
the transcript with dates and without Rasa's internals; the same content as a
printable French page and as JSON, behind the signed link."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.privacy import export_data
from bot.privacy.links import export_token
from bot.privacy.readable import BUTTON, transcript
from bot.storage.models import utcnow
from tests.unit.privacy.test_privacy import EMAIL, world  # noqa: F401  (fixture)


def row(kind, data, sender="c1", at=1764000000.0):
    return {"type_name": kind, "sender_id": sender, "timestamp": at, "data": data}


def test_the_transcript_keeps_who_when_and_what_only():
    rows = [
        row("user", {"text": "bonjour", "parse_data": {"intent": {"name": "greet"}, "text_tokens": [[0, 7]]}}),
        row("bot", {"text": "Bonjour ! Que voulez-vous savoir ?",
                    "data": {"buttons": [{"title": "Qu'est-ce qu'une CAE ?", "payload": "/ask_topic{\"faq_topic\":\"what_is_cae\"}"}]}},
            at=1764000001.0),
        row("user", {"text": "/ask_topic{\"faq_topic\":\"what_is_cae\"}"}, at=1764000002.0),
        row("user", {"text": "/restart"}, at=1764000003.0),
        row("bot", {"text": "", "data": {}}, at=1764000004.0),
    ]
    messages = transcript(rows, lambda r: r["data"])
    assert [(m["from"], m["text"]) for m in messages] == [
        ("vous", "bonjour"), ("assistant", "Bonjour ! Que voulez-vous savoir ?"),
        ("vous", "Qu'est-ce qu'une CAE ?"), ("vous", BUTTON)]
    assert messages[0]["at"] == "2025-11-24T17:00:00+01:00"  # Paris time, not a Unix timestamp
    assert messages[1]["buttons"] == ["Qu'est-ce qu'une CAE ?"]
    assert "parse_data" not in json.dumps(messages) and "text_tokens" not in json.dumps(messages)


def test_the_export_says_who_we_are_what_we_hold_and_why(world):  # noqa: F811
    document = export_data(world["db"], world["reader"], "conv-A")
    text = json.dumps(document, ensure_ascii=False)
    assert "Coopératives d'Activité et d'Emploi" in document["about"]["who"]
    held = [item["what"] for item in document["about"]["held"]]
    assert held == ["Vos messages et les réponses de l'assistant", "Vos coordonnées",
                    "Vos inscriptions aux réunions d'information", "Vos demandes à parler à une personne",
                    "Le résultat de vos vérifications de projet", "Votre progression dans le parcours de formation"]
    assert any("jours" in line for line in document["about"]["kept"])
    assert {"from": "vous", "text": "je m'appelle Léa Martin"}.items() <= document["messages"][0].items()
    for internal in ("parse_data", "intent_ranking", "\"slot\"", "\"event\"", "input_channel"):
        assert internal not in text, internal
    assert document["eligibility_outcomes"][0]["status_label"] == "Éligible"
    anonymous = export_data(world["db"], world["reader"], "conv-Z")
    assert [item["what"] for item in anonymous["about"]["held"]] == [
        "Vos messages et les réponses de l'assistant", "Le résultat de vos vérifications de projet"]


async def test_the_page_and_the_json_behind_the_signed_link(world, monkeypatch, tmp_path):  # noqa: F811
    from bot.web.app import create_app

    monkeypatch.setenv("CAE_TRACKER_DB_URL", str(world["reader"].engine.url))
    app = create_app(rasa_url="http://rasa.test", db=world["db"], reminder_interval=0,
                     tracker_url=str(world["reader"].engine.url))
    token = export_token(world["db"], "conv-A")
    async with TestClient(TestServer(app)) as client:
        reply = await client.get("/mes-donnees/conv-A.html", params={"t": token})
        assert reply.status == 200 and reply.headers["Cache-Control"] == "private, no-store"
        page = await reply.text()
        assert '<html lang="fr">' in page and "Qui nous sommes" in page and "Ce que nous gardons et pourquoi" in page
        assert "Léa Martin" in page and EMAIL in page and world["reference"] in page
        assert "je voudrais parler de mon projet" in page
        assert "je m&#39;appelle Léa Martin" in page and "Vous</span>" in page
        assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT[^\"]+\">\w+ \d{1,2} \w+ \d{4} à \d", page), page
        json_link = re.search(r'href="(/mes-donnees/conv-A\.json\?t=[^"]+)"', page).group(1)
        document = await (await client.get(json_link.replace("&amp;", "&"))).json()
        assert document["person"]["email"] == EMAIL and document["messages"][0]["from"] == "vous"
        # Another conversation's token, a forged one or an expired one: a French page, nothing shown.
        for params in ({"t": export_token(world["db"], "conv-Z")}, {"t": "9999999999_" + "0" * 32}):
            refused = await client.get("/mes-donnees/conv-A.html", params=params)
            assert refused.status == 404 and "n'est plus valable" in await refused.text()
            assert EMAIL not in await refused.text()
        old = export_token(world["db"], "conv-A", now=utcnow() - timedelta(hours=30))
        assert (await client.get("/mes-donnees/conv-A.json", params={"t": old})).status == 404


def test_the_export_says_a_messaging_address_is_held_without_showing_it(world, monkeypatch):  # noqa: F811
    """A Telegram chat id kept (sealed) for the coaches' messages is listed with
    its purpose and its channel; the id itself is not in the export."""
    from bot.takeover import remember_address

    monkeypatch.setenv("CAE_ID_HASH_KEY", "a-key-for-the-export-test")
    remember_address(world["db"], "conv-Z", "telegram", "55507777")
    document = export_data(world["db"], world["reader"], "conv-Z")
    assert [(a["channel"], a["channel_label"]) for a in document["messaging_addresses"]] == [("telegram", "Telegram")]
    held = {item["what"]: item["why"] for item in document["about"]["held"]}
    assert "30 jours" in held["Votre identifiant de messagerie (Telegram ou WhatsApp), chiffré"]
    assert "55507777" not in json.dumps(document)
    assert export_data(world["db"], world["reader"], "conv-A")["messaging_addresses"] == []
