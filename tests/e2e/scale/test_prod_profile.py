"""The production profile on loopback: PostgreSQL tracker store, Redis lock
store, two Rasa servers and two action servers behind nginx."""
from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.deploy.profile import ProdProfile, missing_binaries
from bot.servers import free_port, http_ok
from tests.support import chat

pytestmark = [pytest.mark.model, pytest.mark.servers, pytest.mark.postgres]


@pytest.fixture(scope="module")
def prod(rasa_model):
    missing = missing_binaries()
    if missing:
        pytest.fail(f"missing system packages {missing}: scripts/system_deps.sh installs them")
    # Not under pytest's tmp dir: it is private to root, and PostgreSQL runs as ``postgres``.
    base = Path(tempfile.mkdtemp(prefix="cae-prod-"))
    base.chmod(0o755)
    profile = ProdProfile(model=rasa_model, token="scale-test-token", base=base,
                          public_port=free_port(), keep_data=False)
    try:
        profile.start()
        try:
            profile.wait_ready(timeout=420)
        except Exception:
            logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
                             for p in sorted((profile.base / "logs").glob("*.log")))
            pytest.fail(f"the production profile did not start\n{logs}")
        yield profile
    finally:
        profile.stop()
        shutil.rmtree(base, ignore_errors=True)


def say(url: str, sender: str, message: str) -> str:
    return "\n".join(m.get("text") or "" for m in chat(url, sender, message, timeout=60))


def stored_events(profile: ProdProfile, sender: str) -> list[tuple]:
    engine = create_engine(profile.tracker_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_turns_alternating_between_two_servers_stay_consistent(prod):
    me = "scale-alternate"
    first, second = prod.rasa_url(0), prod.rasa_url(1)
    assert "Décrivez votre projet" in say(first, me, "/check_eligibility")
    confirm = say(second, me, "je suis plombier")
    assert "plombier" in confirm and "C'est bien ça" in confirm
    assert "situation" in say(first, me, "oui")
    with urllib.request.urlopen(f"{second}/conversations/{me}/tracker?token={prod.token}", timeout=30) as reply:
        tracker = json.load(reply)
    assert tracker["slots"]["activity_confirmed"] is True
    assert tracker["active_loop"]["name"] == "eligibility_form"
    # Our own data is in PostgreSQL too: the booking API through nginx lists the sample sessions.
    with urllib.request.urlopen(f"{prod.public_url}/api/sessions", timeout=30) as reply:
        assert json.load(reply)["sessions"]


def test_the_first_admins_password_is_kept_with_the_profile(prod):
    """In the profile's own folder; var/admin_password is the embedded database's
    account and stays as it was. The password opens the API through nginx."""
    import base64

    from bot import settings

    assert prod.admin_password
    assert (prod.base / "admin_password").read_text().strip() == prod.admin_password
    embedded = Path(settings.VAR_DIR) / "admin_password"
    assert not embedded.exists() or embedded.read_text().strip() != prod.admin_password
    login = base64.b64encode(f"admin@cae.local:{prod.admin_password}".encode()).decode()
    request = urllib.request.Request(f"{prod.public_url}/api/sessions/1/bookings",
                                     headers={"Authorization": f"Basic {login}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 200


def test_a_killed_server_loses_no_event_and_the_conversation_goes_on(prod):
    me = "scale-kill"
    assert "Décrivez votre projet" in say(prod.public_url, me, "/check_eligibility")
    assert "C'est bien ça" in say(prod.public_url, me, "je suis graphiste")
    before = stored_events(prod, me)
    assert before
    prod.kill_rasa(0)
    assert "situation" in say(prod.public_url, me, "oui")  # nginx sends it to the other server
    assert "embaucher" in say(prod.public_url, me, "je suis au chômage")
    after = stored_events(prod, me)
    assert after[:len(before)] == before and len(after) > len(before)
    # The supervisor starts the killed server again.
    wait_for(lambda: prod.rasa_ready(0), 300)


def wait_for(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not back in time"
        time.sleep(0.5)


def test_a_killed_action_server_restarts_and_nginx_keeps_serving(prod):
    me = "scale-kill-actions"
    assert "Décrivez votre projet" in say(prod.public_url, me, "/check_eligibility")
    killed = prod.kill_actions(0)
    # Typed while one action server is down: nginx sends the calls to the other one.
    assert "C'est bien ça" in say(prod.public_url, me, "je suis menuisier")
    before = stored_events(prod, me)
    # The first is back (restarted by the supervisor) before the second goes:
    # nginx then sends the calls to the one that runs.
    wait_for(lambda: http_ok(f"http://127.0.0.1:{prod.action_ports[0]}/health"), 120)
    prod.kill_actions(1)
    assert "situation" in say(prod.public_url, me, "oui")
    after = stored_events(prod, me)
    assert after[:len(before)] == before and len(after) > len(before)
    wait_for(lambda: all(http_ok(f"http://127.0.0.1:{p}/health") for p in prod.action_ports), 120)
    assert prod.processes["actions-1"].pid != killed
    assert "Arrêt inattendu : le serveur d'actions n° 1 (code -9" in (prod.base / "logs" / "supervisor.log").read_text()
    with urllib.request.urlopen(f"{prod.rasa_url(0)}/conversations/{me}/tracker?token={prod.token}",
                                timeout=30) as reply:
        tracker = json.load(reply)
    assert tracker["slots"]["activity_confirmed"] is True


def test_a_conversation_a_coach_holds_gets_no_answer_from_either_server(prod):
    from bot import takeover
    from bot.accounts import create_coach
    from bot.storage.db import Database

    me = "scale-takeover"
    first, second = prod.rasa_url(0), prod.rasa_url(1)
    assert "Bonjour" in say(first, me, "bonjour")
    db = Database(prod.database_url)
    try:
        coach = create_coach(db, "scale-coach@cae.test", "un mot de passe solide", name="Nadia Benali")
        takeover.take(db, me, coach, "Nadia Benali")
        assert "Nadia Benali" in say(second, me, "c'est quoi une CAE ?")  # the notice only
        assert say(first, me, "bonjour") == "" and say(second, me, "bonjour") == ""
        takeover.send(db, me, coach, "Je suis là.")
        assert say(first, me, "merci") == "Nadia Benali : Je suis là."
        assert takeover.release(db, me, coach)
    finally:
        db.dispose()
    answer = say(second, me, "bonjour")
    assert answer.startswith("L'assistant automatique reprend") and "Bonjour" in answer.split("\n", 1)[1]


def test_a_coach_message_reaches_a_widget_connected_to_the_other_server(prod):
    """The web app pushes through the first Rasa server of CAE_RASA_API_URLS; the
    person's socket is on the second one: the rooms are shared through Redis."""
    import asyncio
    import base64

    import socketio

    from bot.accounts import create_coach
    from bot.storage.db import Database

    email, password = "scale-widget@cae.test", "un mot de passe solide"
    db = Database(prod.database_url)
    try:
        create_coach(db, email, password, role="admin", name="Louise Garnier")
    finally:
        db.dispose()
    auth = "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()

    def coach(path: str) -> int:
        request = urllib.request.Request(f"{prod.public_url}{path}", data=b"{}", method="POST",
                                         headers={"Authorization": auth, "Accept": "application/json",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status

    def coach_says(path: str, text_: str) -> int:
        request = urllib.request.Request(f"{prod.public_url}{path}", data=json.dumps({"text": text_}).encode(),
                                         method="POST", headers={"Authorization": auth, "Accept": "application/json",
                                                                 "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status

    async def scenario() -> None:
        client = socketio.AsyncClient()
        said: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: said.put_nowait(data))
        client.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await client.connect(prod.rasa_url(1), headers={"Origin": prod.public_url}, transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": None})
            session = await asyncio.wait_for(confirmed.get(), 30)
            session = session.get("session_id") if isinstance(session, dict) else session
            await client.emit("user_uttered", {"session_id": session, "message": "bonjour"})
            assert (await asyncio.wait_for(said.get(), 60))["text"].startswith("Bonjour")
            while not said.empty():
                said.get_nowait()
            page = f"/coach/conversations/{session}"
            assert await asyncio.to_thread(coach, page + "/prendre") == 200
            notice = await asyncio.wait_for(said.get(), 30)
            assert "Louise Garnier" in notice["text"] and "prend le relais" in notice["text"]
            assert await asyncio.to_thread(coach_says, page + "/message", "Je regarde votre dossier.") == 200
            assert (await asyncio.wait_for(said.get(), 30))["text"] == "Louise Garnier : Je regarde votre dossier."
            assert await asyncio.to_thread(coach, page + "/rendre") == 200
            assert (await asyncio.wait_for(said.get(), 30))["text"].startswith("L'assistant automatique reprend")
            assert said.empty()  # each message once, though both servers heard it
        finally:
            await client.eio.disconnect(abort=True)

    asyncio.run(scenario())
