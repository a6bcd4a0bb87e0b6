"""The search page and the header's search box (bot/search.py) and the saved
filters of the conversation list (bot/saved_filters.py), for a coach of each of
two CAEs: nothing of the other CAE is found or opened, case and accents are
ignored, names and transcripts are escaped, forms need the CSRF token, bad
names get a French message and nothing typed is lost."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from bot import handoff
from bot.booking.coach import cae_id_of
from bot.privacy import erase_data
from bot.storage.models import Coach, ConversationSearch, SavedFilter
from bot.transcripts import TrackerReader
from bot.web.app import create_app
from tests.webapp import make_tracker_db
from tests.unit.web.test_conversation_scope import PEOPLE, as_, book_in
from tests.unit.web.test_dashboard import csrf_of

from aiohttp.test_utils import TestClient, TestServer

# Rouen: Léa (conv-rouen); Paris: Inès (conv-paris). Both asked about an "élève".
COACHES = [("rouen@cae.test", "rouen", "paris"), ("paris@cae.test", "paris", "rouen")]
TEXTS = {"rouen": "Léa", "paris": "Inès"}


@pytest.fixture
def tracker_url(tmp_path):
    extra = {cid: [f"je suis {first} {last}, {email}, {phone}", f"Puis-je accueillir un ÉLÈVE stagiaire ({cid}) ?"]
             for cid, (_, first, last, email, phone) in PEOPLE.items()}
    return make_tracker_db(tmp_path / "tracker.db", extra)


@pytest.fixture
async def dash(web_db, tracker_url, tmp_path, monkeypatch):
    """Léa booked in Rouen from conv-rouen and asked for a person there; Inès the same in Paris."""
    monkeypatch.setenv("CAE_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    for cid, (slug, first, last, email, phone) in PEOPLE.items():
        book_in(web_db, slug, first, last, email, phone, cid)
        handoff.create_request(web_db, cid, "rest", f"Question d'{first} sur l'élève",
                               context={"question": f"Réponse attendue pour {first}"},
                               cae_id=cae_id_of(web_db, slug))
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=tracker_url)
    async with TestClient(TestServer(app)) as client:
        yield client


def groups(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(
        r'<h2 id="found-(conversations|people|requests)">[^(]+\((\d+)\)', page)}


def conversation_links(page: str) -> set[str]:
    return set(re.findall(r'href="/coach/conversations/(conv-[a-z]+)"', page))


async def search(client, q: str) -> str:
    reply = await client.get("/coach/recherche", params={"q": q})
    assert reply.status == 200
    return await reply.text()


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_search_finds_their_cae_only_in_three_groups(dash, coach, own, other):
    await as_(dash, coach)
    page = await search(dash, TEXTS[own].lower())  # "léa" / "inès"
    assert groups(page) == {"conversations": 1, "people": 1, "requests": 1}
    assert conversation_links(page) == {f"conv-{own}"}
    assert f"Question d&#39;{TEXTS[own]} sur l&#39;élève" in page
    # The other CAE's person, conversation and request: not found, not even counted.
    page = await search(dash, TEXTS[other])
    assert groups(page) == {"conversations": 0, "people": 0, "requests": 0}
    assert PEOPLE[f"conv-{other}"][3] not in page
    # "eleve" matches "ÉLÈVE" in both transcripts and "élève" in both requests: one each here.
    page = await search(dash, "eleve")
    assert groups(page) == {"conversations": 1, "people": 0, "requests": 1}
    assert conversation_links(page) == {f"conv-{own}"}
    assert "ÉLÈVE stagiaire" in page  # the snippet, as typed


async def test_case_and_accents_are_ignored_and_an_admin_sees_everything(dash):
    await as_(dash, "admin@cae.test")
    for q in ("lea", "LEA", "Léa", "léa martin", "MARTIN lea"):
        page = await search(dash, q)
        assert groups(page)["people"] == 1 and "Léa Martin" in unescape(page), q
    assert groups(await search(dash, "ines moreau"))["people"] == 1
    page = await search(dash, "élève")
    assert groups(page) == {"conversations": 2, "people": 0, "requests": 2}
    assert conversation_links(page) == {"conv-rouen", "conv-paris"}
    # The reference of a booking and the phone find the person too (bot/people.py).
    assert groups(await search(dash, "06 11 22 33"))["people"] == 1
    # The context of a request is searched: "reponse attendue" (accents typed without).
    assert groups(await search(dash, "reponse attendue pour ines"))["requests"] == 1
    # The list's own search box is accent-blind too.
    page = await (await dash.get("/coach/conversations", params={"q": "eleve STAGIAIRE"})).text()
    assert conversation_links(page) == {"conv-rouen", "conv-paris"}
    empty = await search(dash, "   ")
    assert "Tapez un mot" in empty and groups(empty) == {}


async def test_search_escapes_names_and_transcripts(dash, web_db):
    book_in(web_db, "coop-normandie", "<script>alert('nom')</script>", "Pirate", "pirate@exemple.fr",
            "06 99 88 77 66", "conv-pirate")
    await as_(dash, "rouen@cae.test")
    page = await search(dash, "script")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; euh" in page  # conv-fallback's message, anonymous
    assert "&lt;script&gt;alert(&#39;nom&#39;)&lt;/script&gt; Pirate" in page
    assert groups(page)["people"] == 1
    page = await search(dash, "<script>")
    assert "<script>" not in page.split("<main", 1)[1].replace('<script src="/static/coach-tables.js" defer></script>', "")
    assert 'value="&lt;script&gt;"' in page


async def test_header_has_the_search_box_on_every_page(dash):
    await as_(dash, "paris@cae.test")
    for path in ("/coach/conversations", "/coach/people", "/coach/handoffs"):
        page = await (await dash.get(path)).text()
        assert 'action="/coach/recherche"' in page and 'role="search"' in page


async def test_search_needs_a_login(dash):
    dash.session.cookie_jar.clear()
    reply = await dash.get("/coach/recherche", params={"q": "lea"}, allow_redirects=False)
    assert reply.status in (302, 401)


async def test_erased_conversation_leaves_the_index(dash, web_db, tracker_url):
    await as_(dash, "admin@cae.test")
    assert "conv-rouen" in conversation_links(await search(dash, "eleve"))
    reader = TrackerReader(tracker_url)
    erase_data(web_db, reader, "conv-rouen")
    reader.dispose()
    with web_db.reader() as s:
        assert s.get(ConversationSearch, "conv-rouen") is None
    page = await search(dash, "eleve")
    assert conversation_links(page) == {"conv-paris"}
    assert groups(await search(dash, "lea"))["people"] == 0  # her record is erased too


# --------------------------------------------------------------------------- saved filters


async def save(client, name: str, filters: str, token: str | None = None):
    token = token if token is not None else await csrf_of(client, "/coach/conversations")
    return await client.post("/coach/conversations/filtres", allow_redirects=False,
                             data={"csrf_token": token, "nom": name, "filtres": filters})


def saved(db, email: str) -> list[tuple[str, str]]:
    with db.reader() as s:
        return [(f.name, f.query) for f in s.execute(
            select(SavedFilter).join(Coach, Coach.id == SavedFilter.coach_id).where(Coach.email == email)
            .order_by(SavedFilter.id)).scalars()]


def filter_links(page: str) -> dict[str, str]:
    """name -> filter id, as listed above the conversations."""
    block = page.split('id="saved-filters"', 1)[1].split("</nav>", 1)[0]
    return {unescape(name): fid for fid, name in re.findall(r'href="/coach/conversations/filtres/(\d+)"[^>]*>([^<]*)</a>',
                                                             block)}


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_save_apply_and_delete_a_filter(dash, web_db, coach, own, other):
    await as_(dash, coach)
    reply = await save(dash, "  Élèves   à revoir ", "q=eleve&relu=non&page=3&inconnu=x&canal=")
    assert reply.status == 302
    assert dict(parse_qsl(urlsplit(reply.headers["Location"]).query)) == {"q": "eleve", "relu": "non"}
    assert saved(web_db, coach) == [("Élèves à revoir", "relu=non&q=eleve")]
    page = await (await dash.get("/coach/conversations")).text()
    links = filter_links(page)
    assert list(links) == ["Élèves à revoir"]
    applied = await dash.get(f"/coach/conversations/filtres/{links['Élèves à revoir']}", allow_redirects=False)
    assert applied.status == 302
    listed = await (await dash.get(applied.headers["Location"])).text()
    # Scoped like any list: the other CAE's matching conversation stays out.
    assert conversation_links(listed) == {f"conv-{own}"}
    assert 'aria-current="true"' in listed
    token = await csrf_of(dash, "/coach/conversations")
    gone = await dash.post(f"/coach/conversations/filtres/{links['Élèves à revoir']}/supprimer",
                           data={"csrf_token": token}, allow_redirects=False)
    assert gone.status == 302 and saved(web_db, coach) == []
    assert filter_links(await (await dash.get("/coach/conversations")).text()) == {}


@pytest.mark.parametrize("coach,own,other", COACHES)
async def test_another_coachs_filter_is_not_found(dash, web_db, coach, own, other):
    await as_(dash, f"{other}@cae.test")
    assert (await save(dash, "Le mien", "q=secret")).status == 302
    theirs = filter_links(await (await dash.get("/coach/conversations")).text())["Le mien"]
    await as_(dash, coach)
    page = await (await dash.get("/coach/conversations")).text()
    assert "Le mien" not in page and filter_links(page) == {}
    assert (await dash.get(f"/coach/conversations/filtres/{theirs}", allow_redirects=False)).status == 404
    token = await csrf_of(dash, "/coach/conversations")
    refused = await dash.post(f"/coach/conversations/filtres/{theirs}/supprimer", data={"csrf_token": token},
                              allow_redirects=False)
    assert refused.status == 404
    assert saved(web_db, f"{other}@cae.test") == [("Le mien", "q=secret")]
    # A name used by another coach is free for this one.
    assert (await save(dash, "Le mien", "q=autre")).status == 302


async def test_bad_names_get_a_french_message_and_nothing_is_lost(dash, web_db):
    await as_(dash, "rouen@cae.test")
    assert (await save(dash, "Mon filtre", "repli=oui")).status == 302
    cases = [("   ", "Donnez un nom à ce filtre."),
             ("x" * 200, "Le nom du filtre doit faire au plus 100 caractères."),
             ("MON FILTRE", "Vous avez déjà un filtre nommé « MON FILTRE » : choisissez un autre nom.")]
    for name, message in cases:
        reply = await save(dash, name, "repli=oui&canal=rest")
        assert reply.status == 400
        page = await reply.text()
        assert message in unescape(page)
        # The filters are still chosen and what was typed is still there.
        assert 'name="filtres" value="canal=rest&amp;repli=oui"' in page
        assert '<option value="oui" selected>' in page
        if name.strip():
            assert f'name="nom" value="{name}"' in page
    reply = await save(dash, "Sans filtre", "")
    assert reply.status == 400 and "Aucun filtre n'est choisi" in unescape(await reply.text())
    assert saved(web_db, "rouen@cae.test") == [("Mon filtre", "repli=oui")]


async def test_filter_names_are_escaped_and_forms_need_csrf(dash, web_db):
    await as_(dash, "paris@cae.test")
    assert (await save(dash, "<script>alert(1)</script>", "q=x")).status == 302
    page = await (await dash.get("/coach/conversations")).text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    fid = filter_links(page)["<script>alert(1)</script>"]
    assert (await save(dash, "Sans jeton", "q=y", token="faux")).status == 403
    reply = await dash.post(f"/coach/conversations/filtres/{fid}/supprimer", data={}, allow_redirects=False)
    assert reply.status == 403
    assert [name for name, _ in saved(web_db, "paris@cae.test")] == ["<script>alert(1)</script>"]


async def test_filters_go_with_the_coach_account(dash, web_db):
    await as_(dash, "paris@cae.test")
    assert (await save(dash, "Le mien", "q=x")).status == 302

    def drop(s):
        s.delete(s.execute(select(Coach).where(Coach.email == "paris@cae.test")).scalar_one())

    dash.session.cookie_jar.clear()
    web_db.run(drop)
    with web_db.reader() as s:
        assert s.execute(select(SavedFilter)).scalars().all() == []
