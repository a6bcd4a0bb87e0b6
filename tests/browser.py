"""What the browser tests share (tests/e2e/channels and tests/e2e/web): Debian's
Chromium driven by Playwright (``chromium``), the widget page (``open_page``,
``start_chat``, ``say``, ``session_id``), axe-core's serious violations
(``axe_violations``) and the dashboard's web app in its own process
(``dashboard``). Fixtures: import them into the test module."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest

from bot import settings
from bot.servers import free_port, http_ok
from tests.webapp import make_tracker_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 60_000
AXE = settings.ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(servers, chromium, width: int = 1280, height: int = 900, bubble: dict | None = None):
    """A fresh browser context (empty storage) on the widget page, or on the
    bubble's preview page (as on a CAE's site) with ``bubble``'s look options."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors, page.outside, page.requests, page.warnings = [], [], [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.warnings.append(m.text) if m.type == "warning" else None)
    page.on("request", lambda r: page.requests.append(r.url))
    # Nothing may come from outside this machine (no CDN).
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))
            else page.outside.append(r.url))
    # axe-core from node_modules, served on our origin (the CSP allows no inline script).
    page.route(f"{servers.web_url}/static/axe.min.js",
               lambda route: route.fulfill(body=AXE.read_bytes(), content_type="application/javascript"))
    if bubble is not None:
        page.goto(f"{servers.web_url}/apercu?{urllib.parse.urlencode(bubble)}")
        page.locator(".rw-launcher").wait_for()
    else:
        page.goto(f"{servers.web_url}/")
    return page


def start_chat(page) -> None:
    """Open the chat (start button or launcher) and wait for the welcome's buttons."""
    if page.locator(".cae-start-button").count():
        page.locator(".cae-start-button").click()
    else:
        page.locator(".rw-launcher").click()
    page.locator(".rw-reply").first.wait_for()
    page.wait_for_function("() => !document.querySelector('.rw-new-message').disabled")


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


def axe_violations(page) -> list[dict]:
    """Critical and serious axe-core violations (WCAG 2.0/2.1 A and AA, best practices)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(url=f"{page.url.split('/', 3)[0]}//{page.url.split('/', 3)[2]}/static/axe.min.js")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in ("critical", "serious")]



@pytest.fixture
def dashboard(web_db, tmp_path):
    tracker_url = make_tracker_db(tmp_path / "tracker.db")
    port = free_port()
    env = {**os.environ, "CAE_DATABASE_URL": web_db.url, "CAE_TRACKER_DB_URL": tracker_url,
           "CAE_VAR_DIR": str(tmp_path), "CAE_REMINDER_INTERVAL_S": "0"}
    process = subprocess.Popen([sys.executable, "-m", "bot.web", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=settings.ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not http_ok(f"{url}/health"):
        assert process.poll() is None, "the web app stopped"
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
