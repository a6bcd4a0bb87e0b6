"""Dashboard pages for series, messages, sign-in sheets and attendance: login,
CSRF and CAE scope as everywhere else."""
from __future__ import annotations

from datetime import date, timedelta

from bot.booking import service
from bot.storage.models import InfoSession, utcnow
from tests.unit.web.test_dashboard import csrf_of, dash, log_in, tracker_url  # noqa: F401 (fixtures)

PAGES = ["/coach/presences", "/coach/sessions/serie", "/coach/sessions/1/message",
         "/coach/sessions/1/emargement"]


def _session_of(web_db, cae_slug):
    return next(s for s in service.upcoming_sessions(web_db, limit=50) if s.cae_slug == cae_slug)


async def test_pages_need_a_login_and_posts_need_the_csrf_token(dash):
    for path in PAGES:
        reply = await dash.get(path, allow_redirects=False)
        assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login"), path
    await log_in(dash, "rouen@cae.test")
    reply = await dash.post("/coach/sessions/serie", data={"jour": "2030-01-01"}, allow_redirects=False)
    assert reply.status == 403


async def test_series_message_and_sheet_for_the_coachs_own_cae(dash, web_db, tmp_path):
    await log_in(dash, "rouen@cae.test")
    first = date.today() + timedelta(days=30)
    token = await csrf_of(dash, "/coach/sessions/serie")
    page = await (await dash.post("/coach/sessions/serie", data={
        "csrf_token": token, "cae": "coop-normandie", "jour": first.isoformat(), "debut": "14:00",
        "fin": "16:00", "regle": "hebdomadaire", "nombre": "4", "capacity": "10",
        "video_url": "https://visio.example.org/serie"})).text()
    assert "4 réunions créées" in page
    # Another CAE: refused.
    token = await csrf_of(dash, "/coach/sessions/serie")
    reply = await dash.post("/coach/sessions/serie", data={
        "csrf_token": token, "cae": "coop-paris", "jour": first.isoformat(), "debut": "14:00",
        "fin": "16:00", "regle": "hebdomadaire", "nombre": "2", "capacity": "10",
        "video_url": "https://visio.example.org/x"})
    assert reply.status == 400 and "Choisissez une CAE" in await reply.text()

    mine, theirs = _session_of(web_db, "coop-normandie"), _session_of(web_db, "coop-paris")
    made = service.book(web_db, mine.id, {"first_name": "Léa", "last_name": "<b>Martin</b>",
                                          "email": "lea@exemple.fr"}, consent=True, notify=False)
    token = await csrf_of(dash, f"/coach/sessions/{mine.id}/message")
    page = await (await dash.post(f"/coach/sessions/{mine.id}/message", data={
        "csrf_token": token, "subject": "Changement de salle", "body": "Salle B, au 2e étage."})).text()
    assert "Message envoyé à 1 personne(s)" in page and "Salle B, au 2e étage." in page
    outbox = list((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and "Changement de salle" in outbox[0].read_text(errors="replace")

    sheet = await dash.get(f"/coach/sessions/{mine.id}/emargement")
    html = await sheet.text()
    assert sheet.status == 200 and "Feuille d'émargement" in html and made.reference in html
    assert "&lt;b&gt;Martin&lt;/b&gt;" in html and "/static/attendance-sheet.css" in html
    css = await (await dash.get("/static/attendance-sheet.css")).text()
    assert "@media print" in css

    for path in (f"/coach/sessions/{theirs.id}/message", f"/coach/sessions/{theirs.id}/emargement"):
        assert (await dash.get(path)).status == 404, path
    token = await csrf_of(dash, f"/coach/sessions/{mine.id}/message")
    reply = await dash.post(f"/coach/sessions/{theirs.id}/message",
                            data={"csrf_token": token, "subject": "x", "body": "y"})
    assert reply.status == 404


async def test_attendance_page_shows_sessions_to_close_and_no_show_rates(dash, web_db):
    mine = _session_of(web_db, "coop-normandie")
    refs = [service.book(web_db, mine.id, {"first_name": f"P{n}", "last_name": "X",
                                           "email": f"p{n}@exemple.fr"}, consent=True, notify=False).reference
            for n in range(3)]
    with web_db.session() as s:
        row = s.get(InfoSession, mine.id)
        row.starts_at = utcnow() - timedelta(days=3)
        row.ends_at = row.starts_at + timedelta(hours=2)
    from bot.booking import coach as coach_ops
    coach_ops.mark_attendance(web_db, refs[0], "attended")
    coach_ops.mark_attendance(web_db, refs[1], "absent")
    await log_in(dash, "rouen@cae.test")
    page = await (await dash.get("/coach/presences")).text()
    assert "À clore (1)" in page and f"/coach/sessions/{mine.id}/emargement" in page
    assert "50 %" in page  # 1 absent / (1 present + 1 absent)
    await dash.post("/coach/logout", data={"csrf_token": await csrf_of(dash, "/coach/presences")})
    await log_in(dash, "paris@cae.test")
    page = await (await dash.get("/coach/presences")).text()
    assert "À clore (0)" in page and f"/coach/sessions/{mine.id}" not in page
