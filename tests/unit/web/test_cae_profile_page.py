"""/coach/cae: a coach reads their own CAE's profile (read-only), never another
CAE's; an admin without a CAE reads them all; login required."""
from __future__ import annotations

import html
import re

from tests.unit.web.test_conversation_scope import as_


async def test_a_coach_sees_their_cae_profile_only(client):
    reply = await client.get("/coach/cae", allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login")

    await as_(client, "rouen@cae.test")
    page = html.unescape(await (await client.get("/coach/cae")).text())
    assert "Profil de votre CAE" in page
    assert "Coopérative d'activité Normandie" in page and "11 % de votre marge brute" in page
    assert "l'hébergement informatique (son assureur (contrat de groupe RC Pro) ne le couvre pas)" in page
    assert "Coopérative d'activité Paris" not in page and 'id="cae-coop-lyon"' not in page

    await as_(client, "paris@cae.test")
    page = html.unescape(await (await client.get("/coach/cae")).text())
    assert "entre 9 et 12 % de votre marge brute" in page and "Normandie" not in page
    assert "non renseigné (l'assistant donne la réponse générale)" in page  # no hiring rule: general answer


async def test_an_admin_sees_every_profile(client):
    await as_(client, "admin@cae.test")
    page = html.unescape(await (await client.get("/coach/cae")).text())
    for slug in ("coop-normandie", "coop-lyon", "coop-paris", "coop-batir-rhone"):
        assert f'id="cae-{slug}"' in page
    # Opening hours in French, from the structure; a profile without hours says what that means.
    assert re.search(r'id="cae-coop-normandie".*?<dd data-field="opening_hours">du lundi au jeudi de 9 h à 12 h 30 '
                     r'et de 13 h 30 à 17 h ; le vendredi de 9 h à 12 h 30 ; fermé les jours fériés', page, re.S)
    assert re.search(r'id="cae-coop-batir-rhone".*?<dd data-field="opening_hours">non renseignés '
                     r"\(l'assistant ne promet pas d'heure de réponse\)", page, re.S)


# --------------------------------------------------------------------------- admin edits


import yaml  # noqa: E402

from bot.caes.chat import PROFILES  # noqa: E402
from bot.caes.store import history, load_profiles, read_profiles  # noqa: E402
from tests.unit.web.test_learning_pages import logged_in  # noqa: E402

EDIT = "/coach/cae/coop-lyon/modifier"


async def form_text(client) -> str:
    page = html.unescape(await (await client.get(EDIT)).text())
    return re.search(r'<textarea id="profile" name="profile"[^>]*>(.*?)</textarea>', page, re.S)[1]


async def test_an_admin_edits_a_profile_with_audit_and_the_chat_sees_it(client, web_db):
    csrf = await logged_in(client, "admin@cae.test")
    text = await form_text(client)
    data = yaml.safe_load(text)
    assert data["contribution"]["rate"] == 10
    data["contribution"]["rate"] = 9.5
    reply = await client.post(EDIT, data={"csrf_token": csrf, "profile": yaml.safe_dump(data, allow_unicode=True)},
                              allow_redirects=False)
    assert reply.status == 302 and "modifie=coop-lyon" in reply.headers["Location"]
    stored = read_profiles(web_db)["coop-lyon"]
    assert stored.contribution["rate"] == 9.5
    PROFILES._at = -1e9  # the chat's cache re-reads at most every minute
    assert PROFILES.get(web_db, "coop-lyon").contribution["rate"] == 9.5
    [change] = history(web_db, "coop-lyon")
    assert (change["source"], change["who"], change["fields"]) == ("dashboard", "admin@cae.test", ["contribution"])
    page = html.unescape(await (await client.get(EDIT)).text())
    assert "admin@cae.test" in page and "contribution" in page
    # A restart with the file unchanged keeps the edit; a changed file would win.
    load_profiles(web_db)
    assert read_profiles(web_db)["coop-lyon"].contribution["rate"] == 9.5


async def test_a_bad_profile_is_refused_in_french_and_nothing_changes(client, web_db):
    csrf = await logged_in(client, "admin@cae.test")
    data = yaml.safe_load(await form_text(client))
    data["contribution"]["base"] = "benefice"
    reply = await client.post(EDIT, data={"csrf_token": csrf, "profile": yaml.safe_dump(data, allow_unicode=True)})
    page = html.unescape(await reply.text())
    assert reply.status == 400 and "champ « contribution/base » : valeur non permise" in page
    assert "benefice" in page  # the text typed is kept in the form
    for bad in ("slug: [", "- une liste", yaml.safe_dump({**data, "slug": "autre", "contribution": {"rate": 9, "base": "marge_brute"}})):
        reply = await client.post(EDIT, data={"csrf_token": csrf, "profile": bad})
        assert reply.status == 400 and "Profil de CAE" in html.unescape(await reply.text())
    assert read_profiles(web_db)["coop-lyon"].contribution["base"] == "chiffre_affaires"
    assert history(web_db, "coop-lyon") == []


async def test_only_admins_with_the_token_edit(client, web_db):
    csrf = await logged_in(client, "rouen@cae.test")
    assert (await client.get("/coach/cae/coop-normandie/modifier")).status == 403
    assert (await client.post("/coach/cae/coop-normandie/modifier",
                              data={"csrf_token": csrf, "profile": "x"})).status == 403
    client.session.cookie_jar.clear()
    await logged_in(client, "admin@cae.test")
    assert (await client.post(EDIT, data={"profile": "x"})).status == 403  # no CSRF token
    assert (await client.get("/coach/cae/inconnue/modifier")).status == 404
    assert history(web_db, "coop-lyon") == []
