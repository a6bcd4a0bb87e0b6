"""The coaches' dashboard: doors, escaping, transcripts and their filters,
reviews, training examples, handoff inbox, people, sessions, exports."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.handoff import create_request
from bot.web.app import create_app
from tests.webapp import PASSWORD, make_tracker_db, start_session

PROTECTED = ["/coach/", "/coach/conversations", "/coach/conversations/conv-plain", "/coach/handoffs",
             "/coach/people", "/coach/people/1", "/coach/sessions", "/coach/sessions/1",
             "/coach/export/conversations.csv", "/coach/export/bookings.csv", "/coach/export/endi.csv"]


@pytest.fixture
def tracker_url(tmp_path):
    return make_tracker_db(tmp_path / "tracker.db")


@pytest.fixture
async def dash(web_db, tracker_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CAE_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    create_request(web_db, "conv-handoff", "rest", "comment toucher le chômage ?", email="lea@exemple.fr")
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=tracker_url)
    async with TestClient(TestServer(app)) as client:
        yield client


async def csrf_of(client, path) -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def log_in(client, email="admin@cae.test", password=PASSWORD):
    token = await csrf_of(client, "/coach/login")
    return await client.post("/coach/login", data={"email": email, "password": password,
                                                   "csrf_token": token, "next": "/coach/"},
                             allow_redirects=False)


async def test_every_page_needs_a_login(dash):
    for path in PROTECTED:
        reply = await dash.get(path, allow_redirects=False)
        assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login"), path
    assert (await dash.get("/coach/login")).status == 200


async def test_login_checks_password_and_csrf(dash):
    assert (await log_in(dash, password="mauvais mot de passe")).status == 401
    reply = await dash.post("/coach/login", data={"email": "admin@cae.test", "password": PASSWORD})
    assert reply.status == 403
    reply = await log_in(dash)
    assert reply.status == 302 and reply.headers["Location"] == "/coach/"
    assert (await dash.get("/coach/conversations")).status == 200


async def test_user_text_shows_as_text(dash):
    await log_in(dash)
    page = await (await dash.get("/coach/conversations/conv-fallback")).text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = await (await dash.get("/coach/conversations")).text()
    assert "<script>alert(1)" not in listing


async def test_filters(dash):
    await log_in(dash)

    async def ids(**query):
        page = await (await dash.get("/coach/conversations", params=query)).text()
        return set(re.findall(r'href="/coach/conversations/(conv-[a-z]+)"', page))

    assert await ids() == {"conv-plain", "conv-fallback", "conv-handoff"}
    assert await ids(repli="oui") == {"conv-fallback"}
    assert await ids(confiance_sous="0.5") == {"conv-fallback"}
    assert await ids(conseiller="oui") == {"conv-handoff"}
    assert await ids(q="BONJOUR") == {"conv-plain"}
    assert await ids(canal="rest") == {"conv-plain", "conv-fallback", "conv-handoff"}
    assert await ids(du="2000-01-01", au="2000-01-02") == set()


async def test_review_tags_and_reviewed_filter(dash):
    await log_in(dash)
    assert (await dash.post("/coach/conversations/conv-fallback/review",
                            data={"tags": "à revoir", "reviewed": "on"})).status == 403  # no CSRF token
    token = await csrf_of(dash, "/coach/conversations/conv-fallback")
    await dash.post("/coach/conversations/conv-fallback/review",
                    data={"csrf_token": token, "tags": "À revoir, cape", "note": "<b>note</b>", "reviewed": "on"})
    page = await (await dash.get("/coach/conversations", params={"relu": "oui", "etiquette": "cape"})).text()
    assert "conv-fallback" in page and "conv-plain" not in page
    detail = await (await dash.get("/coach/conversations/conv-fallback")).text()
    assert "&lt;b&gt;note&lt;/b&gt;" in detail


async def test_save_as_training_example_writes_rasa_yaml(dash, tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    await log_in(dash)
    token = await csrf_of(dash, "/coach/conversations/conv-fallback")
    for _ in range(2):
        reply = await dash.post("/coach/conversations/conv-fallback/example",
                                data={"csrf_token": token, "text": "c koi la cape", "intent": "faq/cape_what"})
        assert reply.status == 200
    examples = load_data(str(tmp_path / "training_examples.yml"))
    assert [(m.get("text"), m.get("intent")) for m in examples.training_examples] == [("c koi la cape", "faq")]
    reply = await dash.post("/coach/conversations/conv-fallback/example",
                            data={"csrf_token": token, "text": "x", "intent": "pas_une_intention"})
    assert reply.status == 400


async def test_handoff_inbox(dash):
    await log_in(dash)
    page = await (await dash.get("/coach/handoffs")).text()
    assert "comment toucher le chômage ?" in page and "lea@exemple.fr" in page
    hid = re.search(r'/coach/handoffs/(\d+)/handled', page).group(1)
    assert f'id="demande-{hid}"' in page  # the e-mail to the coaches links here (bot/handoff_notices.py)
    token = await csrf_of(dash, "/coach/handoffs")
    await dash.post(f"/coach/handoffs/{hid}/handled", data={"csrf_token": token})
    assert "comment toucher le chômage" not in await (await dash.get("/coach/handoffs")).text()
    assert "traitée" in await (await dash.get("/coach/handoffs", params={"tout": "oui"})).text()


async def test_people_sessions_and_attendance(dash, web_db):
    from bot.booking import service

    session = service.upcoming_sessions(web_db, "rouen")[0]
    booking = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "<i>Martin</i>",
                                                "email": "lea@exemple.fr"}, consent=True)
    await log_in(dash, "paris@cae.test")
    people = await (await dash.get("/coach/people")).text()
    assert "lea@exemple.fr" not in people  # a Paris coach does not see Rouen's people
    assert (await dash.get(f"/coach/sessions/{session.id}")).status == 404
    await dash.post("/coach/logout", data={"csrf_token": await csrf_of(dash, "/coach/people")})
    await log_in(dash, "rouen@cae.test")
    people = await (await dash.get("/coach/people")).text()
    assert "&lt;i&gt;Martin&lt;/i&gt;" in people
    page = await (await dash.get(f"/coach/sessions/{session.id}")).text()
    assert booking.reference in page
    assert "à partir du début de la réunion" in page
    token = await csrf_of(dash, f"/coach/sessions/{session.id}")
    reply = await dash.post(f"/coach/bookings/{booking.reference}/attendance", data={"csrf_token": token, "status": "attended"})
    assert reply.status == 400  # not before the meeting starts
    start_session(web_db, session.id)
    await dash.post(f"/coach/bookings/{booking.reference}/attendance", data={"csrf_token": token, "status": "attended"})
    assert service.find_booking(web_db, booking.reference, "lea@exemple.fr").status == "attended"
    reply = await dash.post("/coach/sessions", data={"csrf_token": token, "cae": "coop-normandie", "jour": "2000-01-01",
                                                     "debut": "10:00", "fin": "12:00", "capacity": "10",
                                                     "video_url": "https://v.test"})
    assert "déjà passée" in await reply.text()


async def test_exports_escape_formulas(dash, web_db):
    from bot.booking import service

    session = service.upcoming_sessions(web_db, "rouen")[0]
    service.book(web_db, session.id, {"first_name": "=CMD()", "last_name": "Martin",
                                      "email": "lea@exemple.fr"}, consent=True)
    await log_in(dash)
    endi = await (await dash.get("/coach/export/endi.csv")).text()
    assert endi.splitlines()[0].startswith("\ufeffNom;Prénom;E-mail 1;Tél. mobile;Date info coll")
    assert "'=CMD()" in endi and "Inscrit" in endi
    conversations = await (await dash.get("/coach/export/conversations.csv", params={"repli": "oui"})).text()
    assert len(conversations.strip().splitlines()) == 2 and "conv-fallback" in conversations
    bookings = await (await dash.get("/coach/export/bookings.csv")).text()
    assert "lea@exemple.fr" in bookings


async def test_a_known_persons_request_goes_to_their_cae_only(dash, web_db):
    from sqlalchemy import select

    from bot.booking.coach import cae_id_of
    from bot.booking.service import book
    from bot.storage.models import HandoffRequest, InfoSession, utcnow

    paris = cae_id_of(web_db, "coop-paris")
    with web_db.reader() as s:
        session_id = s.execute(select(InfoSession.id).where(InfoSession.cae_id == paris,
                                                             InfoSession.starts_at > utcnow())).scalars().first()
    book(web_db, session_id, {"first_name": "Inès", "last_name": "Moreau", "email": "ines@exemple.fr"},
         consent=True, notify=False, conversation_id="conv-ines")
    hid = create_request(web_db, "conv-ines", "rest", "question sur ma convention CAPE")
    with web_db.reader() as s:
        assert s.get(HandoffRequest, hid).cae_id == paris

    await log_in(dash, "rouen@cae.test")
    assert "ma convention CAPE" not in await (await dash.get("/coach/handoffs")).text()
    token = await csrf_of(dash, "/coach/handoffs")
    refused = await dash.post(f"/coach/handoffs/{hid}/handled", data={"csrf_token": token},
                              allow_redirects=False)
    assert refused.status == 404
    with web_db.reader() as s:
        assert s.get(HandoffRequest, hid).status == "open"

    dash.session.cookie_jar.clear()
    await log_in(dash, "paris@cae.test")
    assert "ma convention CAPE" in await (await dash.get("/coach/handoffs")).text()
    token = await csrf_of(dash, "/coach/handoffs")
    await dash.post(f"/coach/handoffs/{hid}/handled", data={"csrf_token": token})
    with web_db.reader() as s:
        assert s.get(HandoffRequest, hid).status == "handled"


async def test_the_handoff_inbox_shows_what_the_assistant_understood(dash, web_db):
    create_request(web_db, "conv-context", "rest", "je suis community manager pour des médecins, c possible ?",
                   context={"activity": "chargé de communication", "eligibility": "to_review",
                            "topic": "cape_what", "booking": "in_progress"})
    await log_in(dash)
    page = await (await dash.get("/coach/handoffs")).text()
    assert "Projet : chargé de communication — verdict : À examiner" in page
    assert "Dernier sujet : Qu&#39;est-ce que le CAPE ?" in page or "Dernier sujet : Qu'est-ce que le CAPE ?" in page
    assert "Inscription à une réunion en cours, pas terminée" in page
    # The request made without context says so.
    assert "rien de particulier" in page
