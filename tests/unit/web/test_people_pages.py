"""The dashboard's people pages: search, and from a person's file: enrol, link
code, note, cancel or move a booking, validate with a confirmation and a
comment, scores as "1/2"; login, CSRF, scope (another CAE's person is a 404)
and escaping."""
from __future__ import annotations

import re

from bot import people as people_ops
from bot.booking import service
from bot.curriculum import service as curriculum
from bot.scope import Scope
from tests.unit.web.test_dashboard import csrf_of, dash, log_in, tracker_url  # noqa: F401 (fixtures)


def _book(web_db, where, n, last="Martin", phone=None):
    sessions = service.upcoming_sessions(web_db, where)
    return service.book(web_db, sessions[0].id, {"first_name": f"Léa{n}", "last_name": last, "phone": phone,
                                                 "email": f"lea{n}@exemple.fr"}, consent=True, notify=False)


def _pid(web_db, email):
    return next(p.id for p in people_ops.list_people(web_db, Scope()) if p.email == email)


async def test_search_in_scope_and_escaped(dash, web_db):
    _book(web_db, "rouen", 1, last="<b>Martin</b>", phone="06 12 34 56 78")
    paris = _book(web_db, "paris", 2)
    assert (await dash.get("/coach/people", params={"q": "martin"}, allow_redirects=False)).status == 302
    await log_in(dash, "rouen@cae.test")
    page = await (await dash.get("/coach/people", params={"q": "martin"})).text()
    assert "&lt;b&gt;Martin&lt;/b&gt;" in page and "<b>Martin</b>" not in page
    assert "lea2@exemple.fr" not in page
    page = await (await dash.get("/coach/people", params={"q": "06 12 34"})).text()
    assert "lea1@exemple.fr" in page
    page = await (await dash.get("/coach/people", params={"q": paris.reference})).text()
    assert "lea2@exemple.fr" not in page and "Personne ne correspond" in page
    page = await (await dash.get("/coach/people", params={"q": "<script>"})).text()
    assert "« &lt;script&gt; »" in page


async def test_person_actions(dash, web_db):
    booked = _book(web_db, "rouen", 1)
    pid = _pid(web_db, "lea1@exemple.fr")
    await log_in(dash, "rouen@cae.test")
    page = f"/coach/people/{pid}"
    token = await csrf_of(dash, page)
    # Enrol (no CSRF: refused).
    assert (await dash.post(f"{page}/enrol", data={"module_id": "ante_creation"})).status == 403
    text = await (await dash.post(f"{page}/enrol", data={"csrf_token": token, "module_id": "ante_creation"})).text()
    assert "Inscription au module enregistrée." in text and "Module ante-création" in text
    reply = await dash.post(f"{page}/enrol", data={"csrf_token": token, "module_id": "nope"})
    assert reply.status == 400 and "Module inconnu." in await reply.text()
    # Link code: shown once on the page.
    text = await (await dash.post(f"{page}/link-code", data={"csrf_token": token})).text()
    code = re.search(r"<strong>([2-9A-Z]{8})</strong>", text).group(1)
    assert code not in await (await dash.get(page)).text()
    # Note, escaped; an empty one keeps nothing and says why.
    text = await (await dash.post(f"{page}/notes", data={"csrf_token": token, "texte": "<i>rappeler</i>"})).text()
    assert "Note ajoutée." in text and "&lt;i&gt;rappeler&lt;/i&gt;" in text
    reply = await dash.post(f"{page}/notes", data={"csrf_token": token, "texte": "  "})
    assert reply.status == 400 and "La note est vide." in await reply.text()
    # Move, then cancel (cancel needs the confirmation box).
    other = service.upcoming_sessions(web_db, "rouen")[1]
    text = await (await dash.post(f"{page}/bookings/{booked.reference}/move",
                                  data={"csrf_token": token, "session_id": str(other.id)})).text()
    assert "Réservation déplacée" in text
    assert service.booking_by_reference(web_db, booked.reference).session.id == other.id
    reply = await dash.post(f"{page}/bookings/{booked.reference}/cancel", data={"csrf_token": token})
    assert reply.status == 400 and service.booking_by_reference(web_db, booked.reference).status == "registered"
    text = await (await dash.post(f"{page}/bookings/{booked.reference}/cancel",
                                  data={"csrf_token": token, "confirm": "oui"})).text()
    assert "Réservation annulée" in text
    assert service.booking_by_reference(web_db, booked.reference).status == "cancelled"


async def test_score_and_validation_with_confirmation_and_comment(dash, web_db):
    _book(web_db, "rouen", 1)
    pid = _pid(web_db, "lea1@exemple.fr")
    curriculum.enrol(web_db, pid, "ante_creation")
    curriculum.start_objective(web_db, pid, "market_analysis")
    curriculum.answer_self_check(web_db, pid, "market_analysis", 0, 0)
    curriculum.answer_self_check(web_db, pid, "market_analysis", 1, 0)
    curriculum.complete_objective(web_db, pid, "market_analysis")
    score = curriculum.person_progress(web_db, pid)["modules"][0]["objectives"][0]["score"]
    await log_in(dash, "rouen@cae.test")
    page = f"/coach/people/{pid}"
    text = await (await dash.get(page)).text()
    assert f"<td>{score}/2</td>" in text
    token = await csrf_of(dash, page)
    reply = await dash.post(f"{page}/validate", data={"csrf_token": token, "objective_id": "market_analysis",
                                                      "commentaire": "Très bien"})
    assert reply.status == 400 and 'value="Très bien"' in await reply.text()
    progress = curriculum.person_progress(web_db, pid)["modules"][0]["objectives"][0]
    assert progress["status"] == "completed"
    text = await (await dash.post(f"{page}/validate", data={"csrf_token": token, "objective_id": "market_analysis",
                                                            "commentaire": "Très bien", "confirm": "oui"})).text()
    assert "Objectif validé." in text and "Validation de « " in text and "Très bien" in text
    assert curriculum.person_progress(web_db, pid)["modules"][0]["objectives"][0]["status"] == "validated"


async def test_another_cae_person_is_404(dash, web_db):
    booked = _book(web_db, "rouen", 1)
    pid = _pid(web_db, "lea1@exemple.fr")
    await log_in(dash, "paris@cae.test")
    token = await csrf_of(dash, "/coach/people")
    page = f"/coach/people/{pid}"
    assert (await dash.get(page)).status == 404
    for action, data in (("enrol", {"module_id": "ante_creation"}), ("link-code", {}), ("notes", {"texte": "x"}),
                         (f"bookings/{booked.reference}/cancel", {"confirm": "oui"}),
                         ("validate", {"objective_id": "market_analysis", "confirm": "oui"})):
        reply = await dash.post(f"{page}/{action}", data={"csrf_token": token, **data})
        assert reply.status == 404, action
    assert service.booking_by_reference(web_db, booked.reference).status == "registered"
    assert people_ops.person_file(web_db, Scope(), pid).notes == []
    assert (await dash.get("/coach/people/999999")).status == 404
    await dash.post("/coach/logout", data={"csrf_token": token})
    await log_in(dash)  # an admin sees everyone, but an unknown person is still a 404
    token = await csrf_of(dash, "/coach/people")
    for action in ("notes", "link-code", "enrol", f"bookings/{booked.reference}/cancel"):
        reply = await dash.post(f"/coach/people/999999/{action}", data={"csrf_token": token, "texte": "x",
                                                                         "confirm": "oui", "module_id": "ante_creation"})
        assert reply.status == 404, action
