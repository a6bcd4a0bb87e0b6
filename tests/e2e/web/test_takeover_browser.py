"""The live takeover in a real headless Chromium: a coach takes a conversation,
writes to the person (shown as text), and the person's next message appears in
the page without a reload (server-sent events)."""
from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.webapp import PASSWORD
from tests.browser import dashboard  # noqa: F401  (fixture)

pytestmark = pytest.mark.servers


def add_user_message(tracker_path, sender: str, text: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered

    async def add():
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_path))
        tracker = await store.retrieve(sender)
        tracker.update(UserUttered(text, input_channel="rest"))
        await store.save(tracker)
        store.engine.dispose()

    # Playwright's sync API runs an event loop in this thread: store from another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, add()).result()


def test_coach_takes_over_and_sees_the_persons_message_arrive(dashboard, tmp_path):  # noqa: F811
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(30_000)
        page.goto(f"{dashboard}/coach/login")
        page.fill("input[name=email]", "admin@cae.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{dashboard}/coach/conversations/conv-handoff")
        page.click("button:has-text('Prendre la conversation')")
        page.wait_for_url("**/coach/conversations/conv-handoff")
        assert "En direct avec" in page.locator(".takeover-state").inner_text()

        page.fill(".takeover-form textarea", "<img src=x onerror=alert(1)> Bonjour !")
        page.click(".takeover-form button[type=submit]")
        mine = page.locator(".transcript li.live.coach .text").last
        mine.wait_for()
        assert mine.inner_text() == "<img src=x onerror=alert(1)> Bonjour !"  # text, not HTML
        assert page.locator(".transcript img").count() == 0

        add_user_message(tmp_path / "tracker.db", "conv-handoff", "Merci, j'attends votre réponse")
        arrived = page.locator(".transcript li.live.user .text").last
        arrived.wait_for(timeout=10_000)
        assert arrived.inner_text() == "Merci, j'attends votre réponse"

        page.click("button:has-text('Rendre la main')")
        page.wait_for_load_state()
        assert "L'assistant répond" in page.locator(".takeover-state").inner_text()
        browser.close()


COACH_EMAIL, COACH_NAME = "direct-browser@cae.test", "Camille Roux"


@pytest.mark.model
def test_two_pages_person_in_the_widget_and_coach_in_the_dashboard(servers):
    """The done-when of the live takeover, in two browser pages on the real servers:
    the person asks for a human in the widget → the coach opens the request and
    takes the conversation → the person reads who is there → messages both ways,
    each appearing without a reload → hand back → the assistant answers again.
    Every step waits for an element (no fixed pause)."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    from bot.accounts import create_coach
    from bot.storage.db import Database
    from tests.browser import TIMEOUT_MS, open_page, say, session_id, start_chat

    db = Database(servers.database_url)
    try:
        create_coach(db, COACH_EMAIL, PASSWORD, role="admin", name=COACH_NAME)
    finally:
        db.dispose()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            person = open_page(servers, browser)
            start_chat(person)
            answers = person.locator(".rw-response")
            say(person, "je veux parler à un conseiller")
            expect(answers.last).to_contain_text("laissez votre e-mail", timeout=TIMEOUT_MS)
            say(person, "non")
            expect(answers.last).to_contain_text("ne pourra pas vous recontacter", timeout=TIMEOUT_MS)
            sid = session_id(person)

            coach = browser.new_context(locale="fr-FR").new_page()
            coach.set_default_timeout(TIMEOUT_MS)
            coach.goto(f"{servers.web_url}/coach/login")
            coach.fill("input[name=email]", COACH_EMAIL)
            coach.fill("input[name=password]", PASSWORD)
            coach.click("button[type=submit]")
            coach.wait_for_load_state()
            coach.goto(f"{servers.web_url}/coach/handoffs")
            coach.locator(f"a[href='/coach/conversations/{sid}']").click()
            coach.wait_for_url(f"**/coach/conversations/{sid}")
            coach.click("button:has-text('Prendre la conversation')")
            expect(coach.locator(".takeover-state")).to_contain_text(f"En direct avec {COACH_NAME}")

            # The person reads that a named advisor is there (pushed: no message of theirs).
            expect(answers.last).to_contain_text(f"{COACH_NAME}, conseiller·ère de la CAE, prend le relais")

            coach.fill(".takeover-form textarea", "Bonjour, je suis là. Quel est votre projet ?")
            coach.click(".takeover-form button[type=submit]")
            expect(coach.locator(".transcript li.live.coach .text").last).to_have_text(
                "Bonjour, je suis là. Quel est votre projet ?")
            expect(answers.last).to_have_text(f"{COACH_NAME} : Bonjour, je suis là. Quel est votre projet ?")

            # The person answers: no bot answer; the coach sees it arrive (server-sent events).
            shown = answers.count()
            box = person.locator(".rw-new-message")
            box.fill("Je suis graphiste, je voudrais tester mon activité.")
            box.press("Enter")
            expect(coach.locator(".transcript li.live.user .text").last).to_have_text(
                "Je suis graphiste, je voudrais tester mon activité.")
            assert answers.count() == shown  # the assistant stayed silent

            coach.click("button:has-text('Rendre la main')")
            expect(coach.locator(".takeover-state")).to_contain_text("L'assistant répond")
            expect(answers.last).to_contain_text("L'assistant automatique reprend la conversation")

            shown = answers.count()
            say(person, "c'est quoi une CAE ?")
            person.wait_for_function(  # the assistant's answer (possibly in several bubbles)
                """n => [...document.querySelectorAll('.rw-response')].slice(n)
                          .some(e => e.textContent.toLowerCase().includes('coopérative'))""",
                arg=shown, timeout=TIMEOUT_MS)
        finally:
            browser.close()
