"""The dashboard's session pages: cancelling asks for a confirmation, tells every
booked person (also those already marked present), keeps the reason; forms keep
what was typed; saves are confirmed; only the CAE's own places; another CAE's
session is a 404."""
from __future__ import annotations

import email
from email import policy

from bot.booking import service
from bot.booking.coach import mark_attendance
from tests.webapp import start_session
from tests.unit.web.test_dashboard import csrf_of, dash, log_in, tracker_url  # noqa: F401 (fixtures)


def _mails(web_db_outbox):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(web_db_outbox.glob("*.eml"))]


async def test_cancel_needs_confirmation_and_tells_everyone(dash, web_db, tmp_path):
    session = service.upcoming_sessions(web_db, "rouen")[0]
    present = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                           consent=True, notify=False)
    other = service.book(web_db, session.id, {"first_name": "Ali", "last_name": "B", "email": "ali@exemple.fr"},
                         consent=True, notify=False)
    start_session(web_db, session.id)
    mark_attendance(web_db, present.reference, "attended")
    await log_in(dash, "rouen@cae.test")
    page = await (await dash.get(f"/coach/sessions/{session.id}")).text()
    assert f'href="/coach/sessions/{session.id}/cancel"' in page
    token = await csrf_of(dash, f"/coach/sessions/{session.id}")
    # A POST without the confirmation only shows the confirmation page.
    reply = await dash.post(f"/coach/sessions/{session.id}/cancel", data={"csrf_token": token, "motif": "<b>grève</b>"})
    text = await reply.text()
    assert reply.status == 200 and "Confirmer l'annulation" in text and "2 personnes" in text
    assert "&lt;b&gt;grève&lt;/b&gt;" in text
    assert service.get_session(web_db, session.id).status != "cancelled"
    # Without the CSRF token: refused, nothing cancelled.
    reply = await dash.post(f"/coach/sessions/{session.id}/cancel", data={"confirm": "oui"})
    assert reply.status == 403 and service.get_session(web_db, session.id).status != "cancelled"
    reply = await dash.post(f"/coach/sessions/{session.id}/cancel",
                            data={"csrf_token": token, "confirm": "oui", "motif": "Grève des transports"})
    assert "les personnes inscrites ont été prévenues" in await reply.text()
    assert service.get_session(web_db, session.id).status == "cancelled"
    assert service.find_booking(web_db, present.reference, "lea@exemple.fr").status == "cancelled"
    assert service.find_booking(web_db, other.reference, "ali@exemple.fr").status == "cancelled"
    mails = _mails(tmp_path / "outbox")
    assert sorted(str(m["To"]) for m in mails) == ["ali@exemple.fr", "lea@exemple.fr"]
    body = mails[0].get_body(("plain",)).get_content()
    assert "Motif : Grève des transports" in body and "désolés" in body


async def test_other_cae_session_is_404(dash, web_db):
    session = service.upcoming_sessions(web_db, "rouen")[0]
    booking = service.book(web_db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                           consent=True, notify=False)
    await log_in(dash, "paris@cae.test")
    token = await csrf_of(dash, "/coach/sessions")
    for path in (f"/coach/sessions/{session.id}", f"/coach/sessions/{session.id}/cancel"):
        assert (await dash.get(path)).status == 404
    reply = await dash.post(f"/coach/sessions/{session.id}/cancel", data={"csrf_token": token, "confirm": "oui"})
    assert reply.status == 404 and service.get_session(web_db, session.id).status == "planned"
    reply = await dash.post(f"/coach/bookings/{booking.reference}/attendance",
                            data={"csrf_token": token, "status": "attended"})
    assert reply.status == 404


async def test_forms_keep_typing_and_saves_are_confirmed(dash, web_db):
    await log_in(dash, "rouen@cae.test")
    page = await (await dash.get("/coach/sessions")).text()
    assert "Paris" not in page.split('id="new-session"')[1].split("</form>")[0]  # only Rouen's places
    token = await csrf_of(dash, "/coach/sessions")
    reply = await dash.post("/coach/sessions", data={"csrf_token": token, "cae": "coop-normandie", "jour": "2000-01-01",
                                                     "debut": "10:00", "fin": "12:00", "capacity": "17",
                                                     "video_url": "https://v.test/<x>"})
    text = await reply.text()
    assert reply.status == 400 and "déjà passée" in text
    assert 'value="2000-01-01"' in text and 'value="17"' in text and 'value="https://v.test/&lt;x&gt;"' in text
    reply = await dash.post("/coach/sessions", data={"csrf_token": token, "cae": "coop-normandie", "jour": "2099-01-05",
                                                     "debut": "10:00", "fin": "12:00", "capacity": "9",
                                                     "video_url": "https://v.test/ri"})
    assert "Réunion créée." in await reply.text()
    session = service.upcoming_sessions(web_db, "rouen")[0]
    reply = await dash.post(f"/coach/sessions/{session.id}/edit",
                            data={"csrf_token": token, "jour": "2099-02-30", "debut": "10:00", "fin": "12:00",
                                  "capacity": "21", "place_id": "", "video_url": "https://v.test/ri", "status": "planned"})
    text = await reply.text()
    assert reply.status == 400 and "invalide" in text and 'value="21"' in text
    reply = await dash.post(f"/coach/sessions/{session.id}/edit",
                            data={"csrf_token": token, "jour": "2099-02-03", "debut": "10:00", "fin": "12:00",
                                  "capacity": "21", "place_id": "", "video_url": "https://v.test/ri", "status": "planned"})
    assert "Modifications enregistrées." in await reply.text()
    assert service.get_session(web_db, session.id).capacity == 21


async def test_sessions_listed_soonest_first(dash, web_db):
    await log_in(dash)
    page = await (await dash.get("/coach/sessions")).text()
    ids = [int(x) for x in __import__("re").findall(r'href="/coach/sessions/(\d+)"', page)]
    starts = [service.get_session(web_db, i).starts_at for i in ids]
    assert len(starts) > 2 and starts == sorted(starts)
