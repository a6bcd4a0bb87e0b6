"""The live takeover in a real headless Chromium: a coach takes a conversation,
writes to the person (shown as text), and the person's next message appears in
the page without a reload (server-sent events)."""
from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.channels.test_widget_browser import CHROMIUM, CHROMIUM_ARGS
from tests.webapp import PASSWORD
from tests.e2e.web.test_dashboard_browser import dashboard  # noqa: F401  (fixture)

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
