"""Every dashboard page in a real headless Chromium, logged in as a coach with
sample data, at 1280 and 390 px: no axe-core critical or serious violation, and
at 390 px nothing wider than the screen (tables become cards under 600 px)."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from bot.booking import service
from bot.booking.coach import mark_attendance
from bot.handoff import create_request
from bot.settings import ROOT
from bot.saved_filters import save_filter
from bot.storage.models import Booking, Coach
from tests.browser import AXE, CHROMIUM, CHROMIUM_ARGS, axe_violations
from tests.webapp import PASSWORD, start_session
from tests.browser import dashboard  # noqa: F401 (fixture)

pytestmark = pytest.mark.servers

WIDTHS = (1280, 390)
ARTIFACTS = ROOT / "var" / "test-artifacts" / "dashboard"


def coach_pages(web_db) -> tuple[dict[str, str], dict[str, str]]:
    """(the Rouen coach's pages, the admin-only pages): name -> path, with one
    started session holding a present person and a registered one, the present
    person also booked on a later session, and an open request for a person."""
    session, later = service.upcoming_sessions(web_db, "rouen")[:2]
    lea = {"first_name": "Léa", "last_name": "Martin", "email": "lea@exemple.fr", "phone": "06 12 34 56 78"}
    present = service.book(web_db, session.id, lea, consent=True, notify=False)
    upcoming = service.book(web_db, later.id, lea, consent=True, notify=False)  # cancel and move forms
    service.book(web_db, session.id, {"first_name": "Ali", "last_name": "Benali", "email": "ali@exemple.fr"},
                 consent=True, notify=False)
    start_session(web_db, session.id)
    create_request(web_db, "conv-handoff", "rest", "comment toucher le chômage ?", email="lea@exemple.fr")
    mark_attendance(web_db, present.reference, "attended")
    with web_db.reader() as s:
        person_id, other = (s.execute(select(Booking.person_id).where(Booking.reference == ref)).scalar_one()
                            for ref in (present.reference, upcoming.reference))
    assert person_id == other
    with web_db.reader() as s:
        rouen_coach = s.execute(select(Coach.id).where(Coach.email == "rouen@cae.test")).scalar_one()
    save_filter(web_db, rouen_coach, "Non compris d'hier", "repli=oui")
    pages = {
        "conversations": "/coach/conversations",
        "conversations filtered": "/coach/conversations?repli=oui",
        "search": "/coach/recherche?q=lea",
        "conversation": "/coach/conversations/conv-fallback",
        "handoffs": "/coach/handoffs?tout=oui",
        "people": "/coach/people",
        "person": f"/coach/people/{person_id}",
        "sessions": "/coach/sessions",
        "session": f"/coach/sessions/{session.id}",
        "session cancel": f"/coach/sessions/{session.id}/cancel",
        "session message": f"/coach/sessions/{session.id}/message",
        "attendance sheet": f"/coach/sessions/{session.id}/emargement",
        "series": "/coach/sessions/serie",
        "attendance": "/coach/presences",
        "overview": "/coach/apercu",
        "CAE profile": "/coach/cae",
    }
    admin_pages = {"learning": "/coach/apprentissage", "CAE profile edit": "/coach/cae/coop-normandie/modifier"}
    return pages, admin_pages


def check(page, url: str, width: int) -> list[str]:
    """The problems of one page: axe's critical or serious violations and, on a
    phone, the elements wider than the screen."""
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    name = url.split("/coach/", 1)[-1].split("?")[0].replace("/", "-") or "home"
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    problems = [f"{url} @{width}: {v['id']} ({v['impact']}) {v['nodes']}" for v in axe_violations(page)]
    if width < 600:
        widths = page.evaluate("""() => ({doc: document.documentElement.scrollWidth, inner: innerWidth,
            wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                   .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)})""")
        if widths["doc"] > widths["inner"]:
            problems.append(f"{url} @{width}: {widths['doc']} px wide > {widths['inner']} ({widths['wide']})")
    return problems


def log_in(browser, base: str, email: str, width: int):
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(30_000)
    page.route(f"{base}/static/axe.min.js",
               lambda route: route.fulfill(body=AXE.read_bytes(), content_type="application/javascript"))
    page.goto(f"{base}/coach/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/coach/conversations")
    return page


def test_every_dashboard_page_is_accessible_at_1280_and_390_px(dashboard, web_db):  # noqa: F811
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    pages, admin_pages = coach_pages(web_db)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            anonymous = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR").new_page()
            anonymous.route(f"{dashboard}/static/axe.min.js",
                            lambda route: route.fulfill(body=AXE.read_bytes(),
                                                        content_type="application/javascript"))
            problems += check(anonymous, f"{dashboard}/coach/login", width)
            coach = log_in(browser, dashboard, "rouen@cae.test", width)
            # The menu says where the coach is; the skip link leads to the content.
            assert coach.locator("nav a[aria-current=page]").inner_text() == "Conversations"
            assert coach.locator("a.skip-link").get_attribute("href") == "#main"
            for path in pages.values():
                problems += check(coach, dashboard + path, width)
            coach.goto(dashboard + pages["conversations"])  # rows are cards on a phone, cells named
            cell = coach.locator("#conversations tbody tr").first.locator("td").first
            assert cell.get_attribute("data-label") == "Conversation"
            assert cell.evaluate("e => getComputedStyle(e.parentElement).display") == (
                "block" if width < 600 else "table-row")
            # The filters are folded on a phone (one line before the list), open on a wide screen.
            filters = coach.locator("#filters-box")
            assert filters.evaluate("e => e.open") == (width >= 600)
            if width < 600:
                assert coach.locator("#conversations").bounding_box()["y"] < 600
                coach.locator("#filters-box > summary").click()
                assert coach.locator("#filters select[name=repli]").is_visible()
            if width < 600:  # the attendance buttons are on screen and name their row
                coach.goto(dashboard + pages["session"])
                button = coach.get_by_role("button", name="Absent : Léa Martin")
                box = button.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
                coach.goto(dashboard + pages["handoffs"])  # one button per request, named by its date
                assert coach.get_by_role("button", name="Marquer comme traitée : demande du").count() == 1
            admin = log_in(browser, dashboard, "admin@cae.test", width)
            for path in admin_pages.values():
                problems += check(admin, dashboard + path, width)
        browser.close()
    assert not problems, "\n".join(problems)
