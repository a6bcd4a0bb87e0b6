"""The widget's data-cae in a real headless Chromium over socket.io: two sites
with different data-cae get their own CAE's answer, a site without gets the
hedged general answer (network mode)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser import chromium, open_page, say, session_id, start_chat  # noqa: F401

pytestmark = [pytest.mark.model, pytest.mark.servers]


def responses(page) -> str:
    return "\n".join(page.locator(".rw-response").all_inner_texts())


def cae_slot(servers, conversation: str):
    with urllib.request.urlopen(servers.api_url(f"/conversations/{conversation}/tracker"), timeout=30) as reply:
        return json.load(reply)["slots"].get("cae")


@pytest.mark.parametrize("cae, expected, absent", [
    ("coop-normandie", "11 % de votre marge brute", "10 % de votre chiffre d'affaires"),
    ("coop-lyon", "10 % de votre chiffre d'affaires", "11 % de votre marge brute"),
    (None, "entre 8 et 15 % de la marge brute", "Chez Coopérative"),
])
def test_each_site_gets_its_cae_answer(servers, chromium, cae, expected, absent):  # noqa: F811
    page = open_page(servers, chromium, bubble={"cae": cae} if cae else {})
    try:
        assert page.locator("script[src*='cae-widget.js']").get_attribute("data-cae") == cae
        start_chat(page)
        say(page, "combien prend la coopérative ?")
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=expected)
        text = responses(page)
        assert expected in text and absent not in text
        if cae is None:
            assert "septembre 2020" in text
        assert cae_slot(servers, session_id(page)) == cae
        say(page, "je peux embaucher ?")
        hiring = {"coop-normandie": "vous ne pouvez pas embaucher vous-même",
                  "coop-lyon": "vous pouvez recruter un salarié", None: "Selon Scop276 (rapport 2019)"}[cae]
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=hiring)
    finally:
        page.context.close()
