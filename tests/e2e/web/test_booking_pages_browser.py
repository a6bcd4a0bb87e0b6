"""The booking pages in a real headless Chromium, on a phone-sized screen:
follow the e-mail's "Annuler" link, confirm with the keyboard; no axe-core
critical or serious violation, nothing wider than the screen."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from bot.booking import service
from bot.servers import free_port, http_ok
from bot.settings import ROOT
from tests.browser import AXE, CHROMIUM, CHROMIUM_ARGS, axe_violations
from tests.unit.web.test_booking_links import PERSON, mails, parse, path_of, two_sessions_of_one_cae

pytestmark = pytest.mark.servers


@pytest.fixture
def web_app(web_db, tmp_path):
    port = free_port()
    env = {**os.environ, "CAE_DATABASE_URL": web_db.url, "CAE_VAR_DIR": str(tmp_path),
           "CAE_REMINDER_INTERVAL_S": "0", "CAE_OUTBOX_DIR": str(tmp_path / "outbox")}
    process = subprocess.Popen([sys.executable, "-m", "bot.web", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while not http_ok(f"{url}/health"):
            assert process.poll() is None, "the web app stopped"
            assert time.monotonic() < deadline, "the web app did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cancel_from_the_mail_on_a_phone_with_the_keyboard(web_app, web_db, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    first, _ = two_sessions_of_one_cae(web_db)
    made = service.book(web_db, first.id, PERSON, consent=True)
    [confirmation] = mails(tmp_path / "outbox")
    links = parse(confirmation.get_body(("html",)).get_content()).links
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 360, "height": 740},
                                   locale="fr-FR").new_page()
        page.set_default_timeout(30_000)
        page.route(f"{web_app}/static/axe.min.js",
                   lambda route: route.fulfill(body=AXE.read_bytes(),
                                               content_type="application/javascript"))
        for name in ("Changer de date", "Annuler"):
            page.goto(web_app + path_of(links[name]))
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
            assert axe_violations(page) == []
        assert page.locator("h1").inner_text() == "Annuler votre réservation ?"
        assert service.booking_by_reference(web_db, made.reference).status == "registered"
        # Keyboard only: Tab reaches the confirm button first, Enter sends the form.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent.trim()") == \
            "Oui, annuler ma réservation"
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Réservation annulée")
        assert axe_violations(page) == []
        browser.close()
    assert service.booking_by_reference(web_db, made.reference).status == "cancelled"
