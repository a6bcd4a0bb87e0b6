"""The widget in a real headless Chromium (Debian's), against the real servers.

The page's chat (in a block, behind a start button) and the floating bubble (a
page of a "CAE site" with only the embed tag, served under the same CSP):
nothing stored or connected before opening; the welcome and its four choices;
a conversation that survives a reload; links, line breaks, escaping and slash
text; layout at 320, 390, 768 and 1280 px (screenshots kept under
var/test-artifacts/widget/, printed); axe-core with no critical or serious
violation in every state; a booking done with the keyboard only; Escape and
the unread count; the configurable look and its contrast check.
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bot import settings
from bot.domain import load as load_domain
from tests.browser import (AXE, CHROMIUM, TIMEOUT_MS, axe_violations, chromium, open_page,  # noqa: F401
                           say, session_id, start_chat)
from tests.support import tracker, user_events

pytestmark = [pytest.mark.model, pytest.mark.servers]

WIDTHS = (320, 390, 768, 1280)
ARTIFACTS = settings.ROOT / "var" / "test-artifacts" / "widget"
DEFAULT_COLOR = "rgb(31, 95, 139)"  # #1f5f8b
WELCOME_TITLES = ["Quelles questions puis-je poser ?", "Vérifier si mon projet peut être accueilli",
                  "M'inscrire à une réunion d'information", "Où en est ma formation ?"]


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nwidget screenshots: {ARTIFACTS}")
    return ARTIFACTS


def reply_titles(page) -> list[str]:
    return [t.strip() for t in page.locator(".rw-reply").all_inner_texts()]


def storage(page) -> list[str]:
    return page.evaluate("() => [JSON.stringify(localStorage), JSON.stringify(sessionStorage)]")


# --------------------------------------------------------------------------- conversation


def test_conversation_in_the_widget_survives_a_reload(servers, chromium):
    page = open_page(servers, chromium)
    assert "Intégrer l'assistant sur le site de votre CAE" in page.content()
    start_chat(page)
    welcome = page.locator(".rw-response").first.inner_text()
    assert welcome.startswith("Bonjour")
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
    # Focus went back to the input after choosing.
    assert page.evaluate("() => document.activeElement.classList.contains('rw-new-message')")

    # Reload: the conversation is still on screen and goes on in the same session.
    page.reload()
    page.locator(".rw-new-message").wait_for()
    page.locator(".rw-response").first.wait_for()
    assert page.locator(".rw-response").first.inner_text().startswith("Bonjour")
    assert session_id(page) == conversation
    say(page, "merci")
    page.get_by_text("Avec plaisir", exact=False).last.wait_for()
    texts = [e["text"] for e in user_events(servers, conversation)]
    # The welcome was asked once, by the widget, on opening.
    assert texts[0] == "/greet" and texts.count("/greet") == 1 and texts[-1] == "merci", texts
    assert not page.errors, page.errors
    assert not page.outside, page.outside
    page.context.close()


def test_links_line_breaks_slash_text_and_escaping(servers, chromium):
    page = open_page(servers, chromium)
    start_chat(page)
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

    say(page, "/human_handoff")
    last = user_events(servers, conversation)[-1]
    assert last["text"] == "human_handoff"
    assert last["metadata"]["original_text"] == "/human_handoff"
    assert last["parse_data"]["intent"]["name"] != "human_handoff"

    say(page, "<b>gras</b> <img src=x onerror=alert(1)>")
    client = page.locator(".rw-client").last
    assert "<b>gras</b>" in client.inner_text()
    assert client.locator("b, img").count() == 0
    page.context.close()


# --------------------------------------------------------------------------- privacy and welcome


@pytest.mark.parametrize("bubble", [None, {}], ids=["page-block", "bubble"])
def test_nothing_stored_or_connected_before_opening(servers, chromium, bubble):
    page = open_page(servers, chromium, bubble=bubble)
    page.wait_for_timeout(1500)
    assert storage(page) == ["{}", "{}"]
    assert page.context.cookies() == []
    assert not [u for u in page.requests if "socket.io" in u], page.requests

    start_chat(page)
    assert [u for u in page.requests if u.startswith(servers.public_rasa_url) and "socket.io" in u]
    assert session_id(page)
    # The welcome says what is kept and links to the privacy page.
    welcome = page.locator(".rw-response").first
    link = welcome.locator("a")
    assert link.get_attribute("href") == f"{servers.web_url}/confidentialite"
    assert "180 jours" in welcome.inner_text()
    with urllib.request.urlopen(link.get_attribute("href"), timeout=30) as reply:
        assert "180 jours" in reply.read().decode()
    assert reply_titles(page) == WELCOME_TITLES
    assert not page.errors, page.errors
    page.context.close()


def test_welcome_choices_on_bonjour_exist_and_work_typed(servers, chromium):
    page = open_page(servers, chromium)
    start_chat(page)
    say(page, "bonjour")
    page.locator(".rw-reply").first.wait_for()
    assert page.locator(".rw-response").last.inner_text().startswith("Bonjour")
    assert page.locator(".rw-response").count() == 2  # the welcome on opening, then on "bonjour"
    assert reply_titles(page) == WELCOME_TITLES  # rasa-webchat shows the last turn's buttons
    conversation = session_id(page)
    page.context.close()

    domain = load_domain()
    greeting = tracker(servers, conversation)["events"]
    buttons = [e for e in greeting if e["event"] == "bot" and (e.get("data") or {}).get("buttons")][-1]["data"]["buttons"]
    assert [b["title"] for b in buttons] == WELCOME_TITLES
    for button in buttons:
        intent = button["payload"].lstrip("/")
        assert intent in domain["intents"], button
        # Typed, the title means the same.
        request = urllib.request.Request(servers.api_url("/model/parse"), method="POST",
                                         data=json.dumps({"text": button["title"]}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert json.load(reply)["intent"]["name"] == intent, button["title"]


# --------------------------------------------------------------------------- layout


LAYOUT_FACTS = """() => {
    const width = document.documentElement.clientWidth;
    const outside = [];
    for (const el of document.querySelectorAll('.rw-widget-container *, .rw-widget-embedded *, .cae-start *, main *')) {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        if (!r.width || !r.height || s.visibility === 'hidden') continue;
        if (el.closest('pre')) continue;  // code scrolls inside its own box
        if (r.left < -1 || r.right > width + 1) outside.push(el.className + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
    }
    const small = [];
    for (const el of document.querySelectorAll('.rw-send, .rw-launcher, .rw-close-button, .rw-reply, .cae-start-button')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.width < 44 || r.height < 44)) small.push(el.className + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
    }
    return {width, scroll: document.documentElement.scrollWidth, outside, small};
}"""


def assert_layout(page, name: str, artifacts: Path) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    facts = page.evaluate(LAYOUT_FACTS)
    assert facts["scroll"] <= facts["width"], (name, facts)  # no horizontal scroll
    assert not facts["outside"], (name, facts["outside"])  # nothing wider than the screen
    assert not facts["small"], (name, facts["small"])  # touch targets ≥ 44 px


@pytest.mark.parametrize("width", WIDTHS)
def test_layout_at_each_width(servers, chromium, artifacts, width):
    height = 844 if width < 768 else 900
    page = open_page(servers, chromium, width=width, height=height)
    assert_layout(page, f"page-start-{width}", artifacts)
    start_chat(page)
    say(page, "Je voudrais savoir si une activité de graphiste-illustratrice-photographe-indépendante-"
              "itinérante peut être accueillie dans une coopérative")
    assert_layout(page, f"page-chat-{width}", artifacts)
    page.context.close()

    page = open_page(servers, chromium, width=width, height=height, bubble={})
    assert_layout(page, f"bubble-closed-{width}", artifacts)
    start_chat(page)
    assert_layout(page, f"bubble-open-{width}", artifacts)
    box = page.locator(".rw-conversation-container").bounding_box()
    if width < 800:  # full screen on phones and small tablets
        assert box["x"] <= 1 and box["width"] >= width - 1 and box["height"] >= height - 2, box
    page.context.close()


# --------------------------------------------------------------------------- accessibility


@pytest.mark.parametrize("bubble", [None, {}], ids=["page-block", "bubble"])
def test_no_serious_axe_violation_in_any_state(servers, chromium, bubble):
    page = open_page(servers, chromium, bubble=bubble)
    states = {"closed": axe_violations(page)}
    start_chat(page)
    states["open with buttons"] = axe_violations(page)
    say(page, "je veux m'inscrire à une réunion d'information")
    page.locator(".rw-reply").last.wait_for()
    states["after a reply"] = axe_violations(page)
    page.reload()
    page.locator(".rw-response").first.wait_for()
    page.wait_for_timeout(500)
    states["after reload"] = axe_violations(page)
    if bubble is not None:
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        states["closed again"] = axe_violations(page)
    assert all(not v for v in states.values()), states
    page.context.close()


def test_names_and_roles(servers, chromium):
    page = open_page(servers, chromium, bubble={})
    launcher = page.locator(".rw-launcher")
    assert launcher.get_attribute("aria-label") == "Ouvrir la discussion avec Assistant CAE"
    assert launcher.get_attribute("aria-expanded") == "false"
    start_chat(page)
    log = page.locator(".rw-messages-container")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert page.locator(".rw-new-message").get_attribute("aria-label")
    for selector in (".rw-send", ".rw-close-button"):
        assert page.locator(selector).get_attribute("aria-label"), selector
    replies = page.locator(".rw-reply")
    assert all(replies.nth(i).get_attribute("role") == "button" for i in range(replies.count()))
    page.context.close()


def test_escape_closes_and_the_launcher_announces_unread_messages(servers, chromium):
    page = open_page(servers, chromium, bubble={})
    start_chat(page)
    page.locator(".rw-new-message").focus()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.rw-widget-container.rw-chat-open')")
    # Focus goes back to the launcher once the widget has re-rendered (a tick
    # after the container closes; later on a loaded machine): wait for it.
    page.wait_for_function("() => document.activeElement.classList.contains('rw-launcher')",
                           timeout=10_000)

    conversation = session_id(page)
    event = [{"event": "bot", "text": "Une nouvelle réunion est ouverte.", "data": {}}]
    request = urllib.request.Request(
        servers.api_url(f"/conversations/{conversation}/tracker/events")
        + "&output_channel=socketio&execute_side_effects=true",
        data=json.dumps(event).encode(), method="POST", headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass
    page.wait_for_function("() => /1 nouveau message/.test(document.querySelector('.rw-launcher').getAttribute('aria-label'))")
    assert "1 nouveau message" in page.locator(".cae-sr-only[role=status]").inner_text()
    page.context.close()


def test_keyboard_only_booking(servers, chromium):
    page = open_page(servers, chromium, width=390, height=844)
    focused = "() => document.activeElement"

    def tab_to(text: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("t => document.activeElement.matches('.rw-reply, button')"
                             " && document.activeElement.innerText.includes(t)", text):
                return
        raise AssertionError(f"« {text} » not reachable with Tab")

    def wait_for_text(text: str) -> None:
        page.wait_for_function("t => [...document.querySelectorAll('.rw-response')].some(e => e.innerText.includes(t))",
                               arg=text)

    def choose(text: str) -> None:
        count = page.locator(".rw-response").count()
        page.keyboard.press("Enter")
        page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=count)
        assert page.evaluate("() => document.activeElement.classList.contains('rw-new-message')")

    def type_answer(text: str) -> None:
        count = page.locator(".rw-response").count()
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=count)
        assert page.evaluate("() => document.activeElement.classList.contains('rw-new-message')")

    tab_to("Commencer la discussion")
    page.keyboard.press("Enter")
    page.locator(".rw-reply").first.wait_for()
    page.wait_for_function("() => document.activeElement.classList.contains('rw-new-message')")
    # To the welcome's first choice, then the arrow keys to the booking one.
    page.keyboard.press("Shift+Tab")
    while "rw-reply" not in page.evaluate(focused + ".className"):
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused + ".innerText").strip() == "M'inscrire à une réunion d'information"
    choose("réunion")
    wait_for_text("Où souhaitez-vous")
    tab_to("En visio")
    choose("En visio")
    wait_for_text("Laquelle vous convient")
    page.keyboard.press("Shift+Tab")
    while "rw-reply" not in page.evaluate(focused + ".className"):
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Home")
    choose("session")
    wait_for_text("Êtes-vous d'accord")
    tab_to("Oui, j'accepte")
    choose("Oui")
    wait_for_text("prénom")
    type_answer("Clavier")
    type_answer("Seul")
    type_answer("clavier.seul@exemple.fr")
    type_answer("non")
    wait_for_text("Je récapitule")
    type_answer("oui")
    wait_for_text("C'est confirmé")
    assert not page.errors, page.errors
    page.context.close()


# --------------------------------------------------------------------------- configurable look


def test_configured_look_and_refused_colour(servers, chromium):
    page = open_page(servers, chromium, bubble={"color": "#6a1b9a", "name": "Assistant de Ma CAE",
                                                "greeting": "Bonjour de Ma CAE !"})
    assert page.locator(".rw-launcher").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(106, 27, 154)"
    assert "Assistant de Ma CAE" in page.locator(".rw-launcher").get_attribute("aria-label")
    start_chat(page)
    assert page.locator(".rw-title").inner_text() == "Assistant de Ma CAE"
    assert "Bonjour de Ma CAE !" in page.locator(".rw-header").inner_text()
    assert page.locator(".rw-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(106, 27, 154)"
    assert not [w for w in page.warnings if "cae-widget" in w]
    page.context.close()

    # Yellow under white text is 1.4:1: refused, default colour, a warning.
    page = open_page(servers, chromium, bubble={"color": "#ffdd00"})
    assert page.locator(".rw-launcher").evaluate("e => getComputedStyle(e).backgroundColor") == DEFAULT_COLOR
    assert any("#ffdd00" in w and "4.5:1" in w for w in page.warnings), page.warnings
    assert round(page.evaluate("() => CaeWidget.contrastRatio('#ffdd00', '#ffffff')"), 2) < 4.5
    start_chat(page)
    assert page.locator(".rw-header").evaluate("e => getComputedStyle(e).backgroundColor") == DEFAULT_COLOR
    assert not axe_violations(page)
    page.context.close()
