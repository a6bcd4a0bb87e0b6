"""Coaches read only their CAE's conversations (and the anonymous ones): list,
view, search, CSV export, review, tags and save-as-example, for a coach of each
of two CAEs; a coach without a CAE sees only the unassigned ones; an admin
without a CAE sees everything."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.booking import service
from bot.booking.coach import cae_id_of
from bot.storage.models import ConversationReview, InfoSession, utcnow
from bot.web.app import create_app
from bot.accounts import create_coach
from tests.webapp import PASSWORD, make_tracker_db
from tests.unit.web.test_dashboard import csrf_of, log_in

PEOPLE = {
    "conv-rouen": ("coop-normandie", "Léa", "Martin", "lea.martin@exemple.fr", "06 11 22 33 44"),
    "conv-paris": ("coop-paris", "Inès", "Moreau", "ines.moreau@exemple.fr", "07 55 66 77 88"),
}
COACHES = [("rouen@cae.test", "conv-rouen", "conv-paris"), ("paris@cae.test", "conv-paris", "conv-rouen")]
ANONYMOUS = {"conv-plain", "conv-fallback", "conv-handoff"}


def book_in(db, slug, first, last, email, phone, conversation_id):
    cae = cae_id_of(db, slug)
    with db.reader() as s:
        session_id = s.execute(select(InfoSession.id).where(InfoSession.cae_id == cae,
                                                             InfoSession.starts_at > utcnow())).scalars().first()
    service.book(db, session_id, {"first_name": first, "last_name": last, "email": email, "phone": phone},
                 consent=True, notify=False, conversation_id=conversation_id)


@pytest.fixture
def tracker_url(tmp_path):
    """Léa and Inès typed their name, e-mail and phone in the chat; three anonymous conversations."""
    extra = {cid: [f"je suis {first} {last}, {email}, {phone}", "un rendez-vous pour la réunion"]
             for cid, (_, first, last, email, phone) in PEOPLE.items()}
    return make_tracker_db(tmp_path / "tracker.db", extra)


@pytest.fixture
async def dash(web_db, tracker_url, tmp_path, monkeypatch):
    """Léa booked in Rouen from conv-rouen, Inès in Paris from conv-paris."""
    monkeypatch.setenv("CAE_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    for cid, (slug, first, last, email, phone) in PEOPLE.items():
        book_in(web_db, slug, first, last, email, phone, cid)
    create_coach(web_db, "sans-cae@cae.test", PASSWORD)
    create_coach(web_db, "admin-paris@cae.test", PASSWORD, role="admin", cae_id=cae_id_of(web_db, "coop-paris"))
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=tracker_url)
    async with TestClient(TestServer(app)) as client:
        yield client


async def as_(client, email):
    client.session.cookie_jar.clear()
    assert (await log_in(client, email)).status == 302


async def listed(client, path="/coach/conversations", **query) -> set[str]:
    page = await (await client.get(path, params=query)).text()
    return set(re.findall(r'href="/coach/conversations/(conv-[a-z]+)"', page))


async def exported(client, **query) -> set[str]:
    text = await (await client.get("/coach/export/conversations.csv", params=query)).text()
    return {line.split(";")[0] for line in text.strip().splitlines()[1:]}


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_list_search_and_export_leave_out_the_other_cae(dash, coach, own, other):
    await as_(dash, coach)
    assert await listed(dash) == ANONYMOUS | {own}
    assert await listed(dash, q="rendez-vous") == {own}
    assert await listed(dash, q=PEOPLE[other][3]) == set()  # the other CAE's e-mail finds nothing
    page = await (await dash.get("/coach/conversations")).text()
    assert PEOPLE[other][3] not in page and PEOPLE[own][3] in page
    assert await exported(dash) == ANONYMOUS | {own}
    assert await exported(dash, q="rendez-vous") == {own}


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_view_opens_only_their_own(dash, coach, own, other):
    await as_(dash, coach)
    mine = await dash.get(f"/coach/conversations/{own}")
    assert mine.status == 200
    text = await mine.text()
    assert PEOPLE[own][3] in text and PEOPLE[own][4] in text
    theirs = await dash.get(f"/coach/conversations/{other}")
    assert theirs.status == 404
    text = await theirs.text()
    assert PEOPLE[other][3] not in text and PEOPLE[other][4] not in text
    assert (await dash.get("/coach/conversations/conv-plain")).status == 200  # anonymous: every coach


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_review_and_tags_only_on_their_own(dash, web_db, coach, own, other):
    await as_(dash, "admin@cae.test")
    token = await csrf_of(dash, "/coach/conversations")
    for cid in PEOPLE:
        reply = await dash.post(f"/coach/conversations/{cid}/review",
                                data={"csrf_token": token, "tags": "suivi", "note": "vu", "reviewed": "on"})
        assert reply.status == 200
    await as_(dash, coach)
    assert await listed(dash, etiquette="suivi") == {own}
    assert await listed(dash, relu="oui") == {own}
    token = await csrf_of(dash, "/coach/conversations")
    refused = await dash.post(f"/coach/conversations/{other}/review", allow_redirects=False,
                              data={"csrf_token": token, "tags": "piratage", "note": "", "reviewed": ""})
    assert refused.status == 404
    done = await dash.post(f"/coach/conversations/{own}/review", allow_redirects=False,
                           data={"csrf_token": token, "tags": "suivi, cape", "note": "rappelée"})
    assert done.status == 302
    with web_db.reader() as s:
        theirs, mine = s.get(ConversationReview, other), s.get(ConversationReview, own)
        assert (theirs.tags, theirs.note, theirs.reviewed) == ("suivi", "vu", True)
        assert (mine.tags, mine.note, mine.reviewed) == ("suivi,cape", "rappelée", False)
    assert await listed(dash, etiquette="cape") == {own}


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_save_as_example_only_from_their_own(dash, tmp_path, coach, own, other):
    await as_(dash, coach)
    token = await csrf_of(dash, "/coach/conversations")
    refused = await dash.post(f"/coach/conversations/{other}/example", allow_redirects=False,
                              data={"csrf_token": token, "text": "texte de l'autre", "intent": "greet"})
    assert refused.status == 404
    assert not (tmp_path / "training_examples.yml").exists()
    saved = await dash.post(f"/coach/conversations/{own}/example", allow_redirects=False,
                            data={"csrf_token": token, "text": "un rendez-vous svp", "intent": "greet"})
    assert saved.status == 302 and saved.headers["Location"] == f"/coach/conversations/{own}?enregistre=oui"
    assert "un rendez-vous svp" in (tmp_path / "training_examples.yml").read_text()


async def test_a_coach_without_a_cae_sees_only_unassigned_conversations(dash):
    await as_(dash, "sans-cae@cae.test")
    assert await listed(dash) == ANONYMOUS
    assert await exported(dash) == ANONYMOUS
    for cid in PEOPLE:
        assert (await dash.get(f"/coach/conversations/{cid}")).status == 404
    assert (await dash.get("/coach/conversations/conv-handoff")).status == 200


async def test_admins_without_a_cae_see_everything_with_a_cae_only_theirs(dash):
    await as_(dash, "admin@cae.test")
    assert await listed(dash) == ANONYMOUS | set(PEOPLE)
    assert await exported(dash, q="rendez-vous") == set(PEOPLE)
    for cid in PEOPLE:
        assert (await dash.get(f"/coach/conversations/{cid}")).status == 200
    await as_(dash, "admin-paris@cae.test")
    assert await listed(dash) == ANONYMOUS | {"conv-paris"}
    assert (await dash.get("/coach/conversations/conv-rouen")).status == 404


async def test_unknown_conversation_is_404_for_review(dash):
    await as_(dash, "admin@cae.test")
    token = await csrf_of(dash, "/coach/conversations")
    reply = await dash.post("/coach/conversations/conv-nowhere/review", allow_redirects=False,
                            data={"csrf_token": token, "tags": "x"})
    assert reply.status == 404
