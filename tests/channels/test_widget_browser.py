"""The widget page in a real headless Chromium (Debian's), against the real servers.

Asks "bonjour", sees the answer, clicks a button, reloads and carries on in
the same conversation; checks that links and line breaks render and that a
typed slash command is text.
"""
from __future__ import annotations

import json
import shutil
import urllib.request

import pytest

from tests.channels.helpers import tracker, user_events

pytestmark = [pytest.mark.model, pytest.mark.servers]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser_page(servers, tmp_path_factory):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            locale="fr-FR",
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        # Nothing may come from outside this machine (no CDN).
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))
                else outside.append(r.url))
        page.outside = outside
        yield page
        context.close()


def session_id(page) -> str:
    stored = page.evaluate("() => window.localStorage.getItem('chat_session')")
    assert stored, "the widget keeps its session in localStorage"
    return json.loads(stored)["session_id"]


def say(page, text: str) -> None:
    count = page.locator(".rw-response").count()
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.rw-response').length > n", arg=count, timeout=TIMEOUT_MS
    )


def test_conversation_in_the_widget_survives_a_reload(servers, browser_page):
    page = browser_page
    page.goto(f"{servers.web_url}/")
    assert "Intégrer l'assistant sur le site de votre CAE" in page.content()
    page.locator(".rw-new-message").wait_for()

    say(page, "bonjour")
    page.get_by_text("Coopératives d'Activité et d'Emploi", exact=False).last.wait_for()
    assert page.locator(".rw-response").first.inner_text().startswith("Bonjour")
    conversation = session_id(page)

    # A message the assistant cannot place: it proposes choices as buttons.
    say(page, "azerty qsdfgh wxcvbn")
    button = page.locator(".rw-reply").first
    button.wait_for()
    title = button.inner_text().strip()
    replies_before = page.locator(".rw-response").count()
    button.click()
    page.wait_for_function(
        "n => document.querySelectorAll('.rw-response').length > n", arg=replies_before, timeout=TIMEOUT_MS
    )
    bot_buttons = [e for e in tracker(servers, conversation)["events"]
                   if e["event"] == "bot" and (e.get("data") or {}).get("buttons")]
    clicked = next(b for b in bot_buttons[-1]["data"]["buttons"] if b["title"] == title)
    last_user = user_events(servers, conversation)[-1]
    assert last_user["text"] == clicked["payload"]  # the payload went through as sent
    if clicked["payload"].startswith("/"):
        assert last_user["parse_data"]["intent"]["name"] == clicked["payload"][1:].split("{")[0]
    # The person sees the button's title, never its payload.
    assert clicked["payload"] not in page.locator(".rw-client").last.inner_text() or clicked["payload"] == title

    # Reload: the conversation is still on screen and goes on in the same session.
    page.reload()
    page.locator(".rw-new-message").wait_for()
    page.locator(".rw-response").first.wait_for()
    assert page.locator(".rw-response").first.inner_text().startswith("Bonjour")
    assert session_id(page) == conversation
    say(page, "merci")
    page.get_by_text("Avec plaisir", exact=False).last.wait_for()
    texts = [e["text"] for e in user_events(servers, conversation)]
    assert texts[0] == "bonjour" and texts[-1] == "merci", texts

    assert not page.errors, page.errors
    assert not page.outside, page.outside


def test_links_and_line_breaks_render(servers, browser_page):
    page = browser_page
    conversation = session_id(page)
    count = page.locator(".rw-response").count()
    text = "Première ligne\nDeuxième ligne avec [le guide des CAE](https://www.les-cae.coop/guide)"
    event = [{"event": "bot", "text": text, "data": {}}]
    request = urllib.request.Request(
        servers.api_url(f"/conversations/{conversation}/tracker/events")
        + "&output_channel=socketio&execute_side_effects=true",
        data=json.dumps(event).encode(), method="POST", headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 200
    page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=count)
    message = page.locator(".rw-response").last
    link = message.locator("a")
    assert link.get_attribute("href") == "https://www.les-cae.coop/guide"
    assert link.inner_text() == "le guide des CAE"
    assert message.locator("br").count() == 1
    assert "Première ligne\nDeuxième ligne" in message.inner_text()


def test_typed_slash_command_is_text(servers, browser_page):
    page = browser_page
    conversation = session_id(page)
    say(page, "/human_handoff")
    last = user_events(servers, conversation)[-1]
    assert last["text"] == "human_handoff"
    assert last["metadata"]["original_text"] == "/human_handoff"
    assert last["parse_data"]["intent"]["name"] != "human_handoff"


def test_user_text_is_escaped(servers, browser_page):
    page = browser_page
    say(page, "<b>gras</b> <img src=x onerror=alert(1)>")
    client = page.locator(".rw-client").last
    assert "<b>gras</b>" in client.inner_text()
    assert client.locator("b, img").count() == 0
