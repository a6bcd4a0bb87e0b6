"""The dashboard in a real headless Chromium (Debian's): log in, filter, open a
transcript, tag it, mark it reviewed, export."""
from __future__ import annotations

import shutil

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard  # noqa: F401  (fixture)
from tests.webapp import PASSWORD

pytestmark = pytest.mark.servers


def test_coach_reviews_yesterdays_fallback_in_a_browser(dashboard, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR", accept_downloads=True)
        page.set_default_timeout(30_000)
        page.goto(f"{dashboard}/coach/conversations")
        assert "/coach/login" in page.url  # sent to the login page
        page.fill("input[name=email]", "admin@cae.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/coach/conversations")

        page.click("text=Hier, non compris")
        rows = page.locator("#conversations tbody tr")
        assert rows.count() == 1 and "conv-fallback" in rows.first.inner_text()
        assert "<script>" in rows.first.inner_text()  # shown as text, not run

        page.click("a:has-text('conv-fallback')")
        page.wait_for_url("**/coach/conversations/conv-fallback")
        assert page.locator(".transcript .user .text").first.inner_text().startswith("<script>alert(1)</script>")
        page.fill("#review input[name=tags]", "capé, à revoir")
        page.check("#review input[name=reviewed]")
        page.click("#review button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{dashboard}/coach/conversations?relu=oui&etiquette=%C3%A0+revoir")
        assert page.locator("#conversations tbody tr").count() == 1
        with page.expect_download() as download_info:
            page.click("#export-conversations")
        exported = download_info.value.path().read_text(encoding="utf-8-sig")
        assert "conv-fallback" in exported and "à revoir" in exported
        browser.close()
