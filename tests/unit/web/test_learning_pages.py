"""The learning pages' doors: admins only, CSRF on every form, escaped text."""
from __future__ import annotations

import re

import pytest

from bot import settings, training_examples
from tests.webapp import PASSWORD


@pytest.fixture
def saved(tmp_path, monkeypatch):
    path = tmp_path / "saved.yml"
    monkeypatch.setattr(training_examples, "default_path", lambda: path)
    monkeypatch.setattr(settings, "CANDIDATES_DIR", tmp_path / "candidates")
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path / "models")
    monkeypatch.setenv("CAE_RASA_API_URLS", "http://127.0.0.1:9")
    training_examples.add_example("<script>alert(1)</script> bonjour", "greet", path=path, conversation_id="c1")
    return path


async def logged_in(client, email: str) -> str:
    page = await (await client.get("/coach/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    reply = await client.post("/coach/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                              allow_redirects=False)
    assert reply.status == 302
    page = await (await client.get("/coach/conversations")).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


async def test_coaches_get_403_and_admins_see_escaped_examples(client, saved):
    await logged_in(client, "rouen@cae.test")
    assert (await client.get("/coach/apprentissage")).status == 403
    assert (await client.get("/coach/apprentissage/etat")).status == 403
    assert "Apprentissage" not in await (await client.get("/coach/conversations")).text()
    client.session.cookie_jar.clear()
    await logged_in(client, "admin@cae.test")
    page = await (await client.get("/coach/apprentissage")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bonjour" in page and "<script>alert" not in page
    assert '<script src="/static/learning.js" defer></script>' in page


async def test_every_form_needs_the_csrf_token(client, saved):
    csrf = await logged_in(client, "admin@cae.test")
    for path in ("exemples/retirer", "integrer", "entrainer", "activer", "revenir"):
        reply = await client.post(f"/coach/apprentissage/{path}", data={"intent": "greet"}, allow_redirects=False)
        assert reply.status == 403, path
    assert len(training_examples.examples(saved)) == 1
    reply = await client.post("/coach/apprentissage/exemples/modifier", allow_redirects=False, data={
        "csrf_token": csrf, "intent": "greet", "text": "<script>alert(1)</script> bonjour",
        "new_text": "merci bien, mon mail est x@y.fr", "new_intent": "thank"})
    assert reply.status == 302
    assert [(e.intent, e.text) for e in training_examples.examples(saved)] == [("thank", "merci bien, mon mail est [e-mail]")]
    reply = await client.post("/coach/apprentissage/revenir", data={"csrf_token": csrf})
    assert reply.status == 409 and "Aucun modèle précédent à rétablir." in await reply.text()
    reply = await client.post("/coach/apprentissage/exemples/retirer", allow_redirects=False, data={
        "csrf_token": csrf, "intent": "thank", "text": "merci bien, mon mail est [e-mail]"})
    assert reply.status == 302 and training_examples.examples(saved) == []
