"""/coach/cae: a coach reads their own CAE's profile (read-only), never another
CAE's; an admin without a CAE reads them all; login required."""
from __future__ import annotations

import html

from tests.web.test_conversation_scope import as_


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
