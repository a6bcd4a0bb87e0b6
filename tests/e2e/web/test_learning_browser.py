"""The learning loop in a real headless Chromium, on a small copy of the
training data (tests/small_project.py) so that trainings take seconds:
save an example from a conversation, merge it, retrain, compare, activate in
a real Rasa server (PUT /model), check that server now understands the
example, and roll back."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from bot.servers import free_port, http_ok
from bot.settings import ROOT
from bot.training import rasa_environment
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.webapp import PASSWORD, make_tracker_db
from tests.small_project import make_small_project

pytestmark = pytest.mark.servers

NEW_EXAMPLE = "zorglub trombone"  # words no model of the small project knows
TOKEN = "learning-test-token"


def api(url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(f"{url}{path}?token={urllib.parse.quote(TOKEN)}",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def wait(process, url: str, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not http_ok(url):
        assert process.poll() is None, f"{what} stopped"
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.5)


@pytest.fixture
def loop(web_db, tmp_path):
    small = make_small_project(tmp_path / "small")
    env = {**rasa_environment(), **small}
    first = subprocess.run([sys.executable, "-m", "bot.training"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    model = first.stdout.strip().splitlines()[-1]
    rasa_port, web_port = free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    rasa_log = open(tmp_path / "rasa.log", "wb")
    rasa = subprocess.Popen([sys.executable, "-m", "bot.rasa.server", "run", "--model", model, "--enable-api",
                             "--interface", "127.0.0.1", "--port", str(rasa_port)],
                            cwd=ROOT, env={**env, "CAE_RASA_TOKEN": TOKEN}, stdout=rasa_log, stderr=subprocess.STDOUT)
    tracker_url = make_tracker_db(tmp_path / "tracker.db",
                                  extra={"conv-zorg": [f"{NEW_EXAMPLE} zoe@exemple.fr"]})
    web_env = {**env, "CAE_DATABASE_URL": web_db.url, "CAE_TRACKER_DB_URL": tracker_url,
               "CAE_VAR_DIR": str(tmp_path), "CAE_REMINDER_INTERVAL_S": "0",
               "CAE_RASA_API_URLS": rasa_url, "CAE_RASA_API_TOKEN": TOKEN}
    web = subprocess.Popen([sys.executable, "-m", "bot.web", "--host", "127.0.0.1", "--port", str(web_port)],
                           cwd=ROOT, env=web_env)
    try:
        wait(web, f"http://127.0.0.1:{web_port}/health", "the web app")
        wait(rasa, f"{rasa_url}/", "Rasa")
        yield {"web": f"http://127.0.0.1:{web_port}", "rasa": rasa_url, "model": model, "small": tmp_path / "small"}
    finally:
        for process in (web, rasa):
            process.terminate()
        for process in (web, rasa):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        rasa_log.close()


def intent_of(rasa_url: str, text: str) -> str:
    return api(rasa_url, "/model/parse", {"text": text})["intent"]["name"]


def test_save_merge_retrain_compare_activate_and_roll_back(loop):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    first_model = os.path.basename(loop["model"])
    assert api(loop["rasa"], "/status")["model_file"] == first_model
    assert intent_of(loop["rasa"], NEW_EXAMPLE) != "greet"  # unknown words: the fallback

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(30_000)
        page.goto(f"{loop['web']}/coach/login")
        page.fill("input[name=email]", "admin@cae.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/coach/conversations")

        # A coach corrects the assistant: this message meant "greet".
        page.goto(f"{loop['web']}/coach/conversations/conv-zorg")
        page.click("summary:has-text('Enregistrer comme exemple')")
        page.select_option(".transcript .user select[name=intent]", "greet")
        page.click(".transcript .user button:has-text('Enregistrer')")
        page.wait_for_selector("text=Exemple enregistré")

        page.click("nav >> text=Apprentissage")
        page.wait_for_url("**/coach/apprentissage")
        row = page.locator("#examples tbody tr")
        assert row.count() == 1
        assert row.locator("input[name=new_text]").input_value() == f"{NEW_EXAMPLE} [e-mail]"  # masked
        page.click("#merge")
        assert "1 exemple(s) intégré(s)" in page.inner_text("#merge-result")
        reviewed = (loop["small"] / "nlu" / "reviewed" / "nlu.yml").read_text(encoding="utf-8")
        assert f"{NEW_EXAMPLE} [e-mail]" in reviewed and "zoe@" not in reviewed

        page.click("#retrain")
        page.wait_for_selector("#training-progress")
        page.wait_for_selector("#comparison", timeout=400_000)  # the page reloads itself when done
        table = page.inner_text("#comparison-table")
        assert "held-out" in table and "fresh held-out" in table and "Histoires de test" in table
        assert "ne dépendent pas du modèle" in table
        assert page.locator("#comparison-table tbody tr").first.locator("td").nth(1).inner_text().endswith(")")

        page.click("#activate")
        page.wait_for_selector("#learning-notice")
        assert "actif" in page.inner_text("#learning-notice")
        candidate = api(loop["rasa"], "/status")["model_file"]
        assert candidate != first_model
        assert page.inner_text("#active-model") == candidate
        assert intent_of(loop["rasa"], NEW_EXAMPLE) == "greet"  # the running server learned it

        page.click("#rollback")
        page.wait_for_selector("text=Le modèle précédent est de nouveau actif.")
        assert api(loop["rasa"], "/status")["model_file"] == first_model
        assert intent_of(loop["rasa"], NEW_EXAMPLE) != "greet"
        active = json.loads((loop["small"] / "models" / "active.json").read_text())
        assert (active["model"], active["previous"]) == (first_model, candidate)
        browser.close()
