"""In a real headless Chromium: a coach cancels a session where one person is
already marked present; the confirmation page comes first, then everyone is
cancelled and told by an e-mail that apologises and gives the reason."""
from __future__ import annotations

import email
import shutil
from email import policy

import pytest

from bot.booking import service
from bot.booking.coach import mark_attendance
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.webapp import PASSWORD, start_session
from tests.browser import dashboard  # noqa: F401 (fixture)

pytestmark = pytest.mark.servers


def test_cancel_a_session_with_an_attended_person(dashboard, web_db, tmp_path):  # noqa: F811
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    session = service.upcoming_sessions(web_db, "rouen")[0]
    present = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                           consent=True, notify=False)
    waiting = service.book(web_db, session.id, {"first_name": "Ali", "last_name": "B", "email": "ali@exemple.fr"},
                           consent=True, notify=False)
    start_session(web_db, session.id)
    mark_attendance(web_db, present.reference, "attended")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(30_000)
        page.goto(f"{dashboard}/coach/login")
        page.fill("input[name=email]", "rouen@cae.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{dashboard}/coach/sessions/{session.id}")
        page.click("#cancel-session")
        page.wait_for_url(f"**/coach/sessions/{session.id}/cancel")
        assert "2 personnes" in page.inner_text("#cancel-effect")
        assert service.get_session(web_db, session.id).status == "planned"  # nothing yet
        page.fill("#motif", "Salle indisponible")
        page.click("#cancel-form button[type=submit]")
        page.wait_for_url("**fait=annulee")
        assert "prévenues par e-mail" in page.inner_text("[role=status]")
        assert page.locator("#cancel-session").count() == 0
        browser.close()
    assert service.booking_by_reference(web_db, present.reference).status == "cancelled"
    assert service.booking_by_reference(web_db, waiting.reference).status == "cancelled"
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in (tmp_path / "outbox").glob("*.eml")]
    assert sorted(str(m["To"]) for m in mails) == ["ali@exemple.fr", "lea@exemple.fr"]
    body = mails[0].get_body(("plain",)).get_content()
    assert "désolés" in body and "Motif : Salle indisponible" in body


def test_search_a_person_and_add_a_note(dashboard, web_db):  # noqa: F811
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    session = service.upcoming_sessions(web_db, "rouen")[0]
    service.book(web_db, session.id, {"first_name": "Léa", "last_name": "Martin", "email": "lea@exemple.fr",
                                      "phone": "06 12 34 56 78"}, consent=True, notify=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(30_000)
        page.goto(f"{dashboard}/coach/login")
        page.fill("input[name=email]", "rouen@cae.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{dashboard}/coach/people")
        page.fill("#people-search input[name=q]", "06 12 34")
        page.click("#people-search button[type=submit]")
        page.wait_for_url("**q=06*")
        assert page.locator("#people tbody tr").count() == 1
        page.click("#people a:has-text('Martin')")
        page.fill("#note-text", "Rappeler <lundi>")
        page.click("#note-form button[type=submit]")
        page.wait_for_url("**fait=note")
        assert "Rappeler <lundi>" in page.inner_text("#notes")
        browser.close()
