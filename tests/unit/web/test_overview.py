"""The activity overview (/coach/apercu and its CSV): every figure equals a count
made here independently in SQL on the same data, for an admin (everything) and
for a coach of each CAE (their CAE's bookings, conversations, verdicts, handoffs
and trainees, plus the anonymous conversations; never the other CAE's)."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.booking import coach as coach_ops
from bot.booking import service
from bot.booking.coach import cae_id_of
from bot.curriculum import service as curriculum
from bot.eligibility.outcomes import record_outcome
from bot.faq import topic_titles
from bot.storage.models import Coach, HandoffRequest, InfoSession, utcnow
from bot.web.app import create_app
from tests.webapp import make_tracker_db
from tests.unit.web.test_conversation_scope import as_

TODAY = datetime.now(timezone.utc).date()
PERIOD = {"du": (TODAY - timedelta(days=10)).isoformat(), "au": (TODAY + timedelta(days=60)).isoformat()}
# conversation -> (CAE slug, first name, e-mail)
BOOKERS = {"conv-rouen": ("coop-normandie", "Léa", "lea@exemple.fr"),
           "conv-rouen2": ("coop-normandie", "Jean", "jean@exemple.fr"),
           "conv-paris": ("coop-paris", "Inès", "ines@exemple.fr")}


def add_raw_events(path, rows):
    """Rows as Rasa's SQL tracker store writes them, for another channel and an old day."""
    with sqlite3.connect(path) as c:
        c.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                      "VALUES (?, ?, ?, ?, ?, ?)", rows)


@pytest.fixture
def data(web_db, tmp_path):
    extra = {cid: [f"je suis {first}", "une réunion d'information svp"] for cid, (_, first, _) in BOOKERS.items()}
    extra["conv-anon"] = ["combien coûte la CAE", "et la mutuelle"]
    path = tmp_path / "tracker.db"
    url = make_tracker_db(path, extra)
    now = datetime.now(timezone.utc).timestamp()
    old = now - 60 * 86400
    add_raw_events(path, [
        ("conv-web", "user", now - 3600, "nlu_fallback", None,
         json.dumps({"event": "user", "text": "Cotisation mutuelle cotisation", "input_channel": "socketio"})),
        ("conv-web", "action", now - 3599, None, "action_default_fallback",
         json.dumps({"event": "action", "name": "action_default_fallback"})),
        ("conv-web", "slot", now - 3598, None, "faq_topic",
         json.dumps({"event": "slot", "name": "faq_topic", "value": "cape_what"})),
        ("conv-paris", "user", now - 3000, "nlu_fallback", None,
         json.dumps({"event": "user", "text": "parapente parapente", "input_channel": "socketio"})),
        ("conv-old", "user", old, "nlu_fallback", None,
         json.dumps({"event": "user", "text": "ancien message", "input_channel": "rest"})),
    ])
    refs = {}
    for cid, (slug, first, email) in BOOKERS.items():
        cae = cae_id_of(web_db, slug)
        with web_db.reader() as s:
            session_id = s.execute(select(InfoSession.id).where(InfoSession.cae_id == cae,
                                                                 InfoSession.starts_at > utcnow())
                                   .order_by(InfoSession.starts_at)).scalars().first()
        refs[cid] = service.book(web_db, session_id, {"first_name": first, "last_name": "X", "email": email},
                                 consent=True, notify=False, conversation_id=cid).reference
    coach_ops.mark_attendance(web_db, refs["conv-rouen"], "attended", now=utcnow() + timedelta(days=400))
    coach_ops.mark_attendance(web_db, refs["conv-rouen2"], "absent", now=utcnow() + timedelta(days=400))
    coach_ops.mark_attendance(web_db, refs["conv-paris"], "attended", now=utcnow() + timedelta(days=400))
    record_outcome(web_db, {"status": "eligible", "rules": ["construction"]}, "conv-rouen")
    record_outcome(web_db, {"status": "not_eligible", "rules": ["regulated_named"]}, "conv-paris")
    record_outcome(web_db, {"status": "to_review", "rules": ["ambiguous_activity", "x"]}, "conv-anon")
    record_outcome(web_db, {"status": "eligible", "rules": ["construction"]}, "conv-anon")
    with web_db.reader() as s:
        coaches = dict(s.execute(select(Coach.email, Coach.id)).all())

    def handoffs(s):
        created = utcnow() - timedelta(hours=5)
        s.add_all([HandoffRequest(conversation_id="conv-rouen", cae_id=cae_id_of(web_db, "coop-normandie"),
                                  created_at=created, status="handled", handled_at=created + timedelta(hours=2)),
                   HandoffRequest(conversation_id="conv-paris", cae_id=cae_id_of(web_db, "coop-paris"),
                                  created_at=created),
                   HandoffRequest(conversation_id="conv-handoff", created_at=created)])

    web_db.run(handoffs)
    with sqlite3.connect(web_db.url.removeprefix("sqlite:///")) as c:
        person = dict(c.execute("SELECT email, id FROM person").fetchall())
    curriculum.enrol(web_db, person["lea@exemple.fr"], "cape_workshops", coach_id=coaches["rouen@cae.test"])
    curriculum.enrol(web_db, person["ines@exemple.fr"], "cape_workshops", coach_id=coaches["paris@cae.test"])
    curriculum.complete_objective(web_db, person["lea@exemple.fr"], "invoicing_vat")
    curriculum.validate_objective(web_db, person["lea@exemple.fr"], "invoicing_vat", coaches["rouen@cae.test"])
    curriculum.complete_objective(web_db, person["ines@exemple.fr"], "invoicing_vat")
    return url, str(path)


@pytest.fixture
async def dash(web_db, data):
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0, tracker_url=data[0])
    async with TestClient(TestServer(app)) as client:
        yield client


def expected(web_db, tracker_path, cae_slug):
    """The figures, counted here in plain SQL (sqlite3), for a coach of ``cae_slug`` (None: admin)."""
    app = sqlite3.connect(web_db.url.removeprefix("sqlite:///"))
    cae = None if cae_slug is None else app.execute("SELECT id FROM cae WHERE slug = ?", (cae_slug,)).fetchone()[0]
    since = datetime.fromisoformat(PERIOD["du"] + "T00:00:00+00:00")
    until = datetime.fromisoformat(PERIOD["au"] + "T00:00:00+00:00") + timedelta(days=1)
    s_txt, u_txt = since.strftime("%Y-%m-%d %H:%M:%S"), until.strftime("%Y-%m-%d %H:%M:%S")
    assigned = {cid: set() for (cid,) in app.execute("SELECT DISTINCT conversation_id FROM conversation_cae")}
    for cid, c in app.execute("SELECT conversation_id, cae_id FROM conversation_cae"):
        assigned[cid].add(c)
    hidden = set() if cae is None else {cid for cid, caes in assigned.items() if cae not in caes}
    tracker = sqlite3.connect(tracker_path)
    users = [(sid, json.loads(d).get("input_channel"), i, json.loads(d).get("text")) for sid, d, i in tracker.execute(
        "SELECT sender_id, data, intent_name FROM events WHERE type_name = 'user' AND timestamp >= ? AND timestamp < ?",
        (since.timestamp(), until.timestamp())) if sid not in hidden]
    conv, msgs = {}, {}
    for sid, ch, _, _ in users:
        conv.setdefault(ch, set()).add(sid)
        msgs[ch] = msgs.get(ch, 0) + 1
    defaults = sum(1 for (sid,) in tracker.execute(
        "SELECT sender_id FROM events WHERE action_name = 'action_default_fallback' AND timestamp >= ?",
        (since.timestamp(),)) if sid not in hidden)
    topics = {}
    for sid, d in tracker.execute("SELECT sender_id, data FROM events WHERE type_name = 'slot' "
                                  "AND action_name = 'faq_topic' AND timestamp >= ?", (since.timestamp(),)):
        if sid not in hidden:
            topics[json.loads(d)["value"]] = topics.get(json.loads(d)["value"], 0) + 1
    outcomes = {}
    for cid, st, rules in app.execute("SELECT conversation_id, status, rules FROM eligibility_outcome "
                                      "WHERE created_at >= ? AND created_at < ?", (s_txt, u_txt)):
        if cid not in hidden:
            outcomes[(st, rules.split(",")[0])] = outcomes.get((st, rules.split(",")[0]), 0) + 1
    cae_sql = "" if cae is None else f" AND s.cae_id = {cae}"
    bookings = dict(app.execute(
        "SELECT b.status, count(*) FROM booking b JOIN info_session s ON s.id = b.session_id "
        f"WHERE b.created_at >= ? AND b.created_at < ?{cae_sql} GROUP BY b.status", (s_txt, u_txt)).fetchall())
    held = dict(app.execute(
        "SELECT b.status, count(*) FROM booking b JOIN info_session s ON s.id = b.session_id "
        f"WHERE s.starts_at >= ? AND s.starts_at < ?{cae_sql} GROUP BY b.status", (s_txt, u_txt)).fetchall())
    handoff_sql = "" if cae is None else f" AND (cae_id IS NULL OR cae_id = {cae})"
    handoffs = dict(app.execute(f"SELECT status, count(*) FROM handoff_request WHERE 1=1{handoff_sql} "
                                "GROUP BY status").fetchall())
    people_sql = "" if cae is None else (
        " AND person_id IN (SELECT b.person_id FROM booking b JOIN info_session s ON s.id = b.session_id "
        f"WHERE s.cae_id = {cae} UNION SELECT e.person_id FROM enrolment e JOIN coach c ON c.id = e.enrolled_by "
        f"WHERE c.cae_id = {cae})")
    enrolled = app.execute(f"SELECT count(DISTINCT person_id) FROM enrolment WHERE 1=1{people_sql}").fetchone()[0]
    completed = app.execute(f"SELECT count(*) FROM objective_progress WHERE completed_at IS NOT NULL{people_sql}"
                            ).fetchone()[0]
    validated = app.execute(f"SELECT count(*) FROM objective_progress WHERE status = 'validated'{people_sql}"
                            ).fetchone()[0]
    booked_people = app.execute(
        "SELECT count(DISTINCT b.person_id) FROM booking b JOIN info_session s ON s.id = b.session_id "
        f"WHERE 1=1{cae_sql}").fetchone()[0]
    checked = len({cid for cid, in app.execute("SELECT conversation_id FROM eligibility_outcome")} - hidden)
    fallback_users = sum(1 for _, _, i, _ in users if i == "nlu_fallback")
    return {
        "conversations": {ch: len(ids) for ch, ids in conv.items()}, "messages": msgs,
        "not_understood": fallback_users + defaults, "topics": topics, "outcomes": outcomes,
        "bookings": bookings, "attended": held.get("attended", 0), "absent": held.get("absent", 0),
        "handoffs": sum(handoffs.values()), "handled": handoffs.get("handled", 0),
        "enrolled": enrolled, "completed": completed, "validated": validated,
        "funnel": [sum(len(i) for i in conv.values()), checked, booked_people, held.get("attended", 0), enrolled],
        "hidden": hidden, "users": users,
    }


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', page).group(1)


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("email,slug", [("admin@cae.test", None), ("rouen@cae.test", "coop-normandie"),
                                        ("paris@cae.test", "coop-paris")])
async def test_figures_equal_independent_counts(dash, web_db, data, email, slug):
    await as_(dash, email)
    want = expected(web_db, data[1], slug)
    page_reply = await dash.get("/coach/apercu", params=PERIOD)
    assert page_reply.status == 200
    page = await page_reply.text()
    # The scoping really bites: a coach sees the other CAE's booker nowhere.
    if slug == "coop-normandie":
        assert want["hidden"] == {"conv-paris"} and want["conversations"] == {"rest": 6, "socketio": 1}
        assert (want["validated"], want["attended"], want["absent"]) == (1, 1, 1)
    if slug == "coop-paris":
        assert want["hidden"] == {"conv-rouen", "conv-rouen2"} and want["bookings"] == {"attended": 1}
    for ch, n in want["conversations"].items():
        assert figure(page, f"conversations-{ch}") == str(n)
        assert figure(page, f"messages-{ch}") == str(want["messages"][ch])
    assert figure(page, "conversations") == str(sum(want["conversations"].values()))
    assert figure(page, "not-understood") == str(want["not_understood"])
    for topic, n in want["topics"].items():
        assert figure(page, f"topic-{topic}") == str(n)
    assert html.escape(topic_titles()["cape_what"]) in page
    for (st, sector), n in want["outcomes"].items():
        assert figure(page, f"eligibility-{st}-{sector}") == str(n)
    assert page.count('data-figure="eligibility-') == len(want["outcomes"])
    for st in ("registered", "attended", "absent", "cancelled"):
        assert figure(page, f"bookings-{st}") == str(want["bookings"].get(st, 0))
    assert figure(page, "attended") == str(want["attended"]) and figure(page, "absent") == str(want["absent"])
    assert figure(page, "handoffs") == str(want["handoffs"])
    assert figure(page, "handoffs-handled") == str(want["handled"])
    assert (figure(page, "enrolled"), figure(page, "completed"), figure(page, "validated")) == tuple(
        str(want[k]) for k in ("enrolled", "completed", "validated"))
    assert [figure(page, f"funnel-{i}") for i in range(1, 6)] == [str(n) for n in want["funnel"]]
    # No script but the dashboard's own (every page loads /static/coach-tables.js).
    assert "<svg" in page and "<script" not in page.replace("&lt;script", "").replace(
        '<script src="/static/coach-tables.js" defer></script>', "")

    reply = await dash.get("/coach/apercu.csv", params=PERIOD)
    assert reply.status == 200 and reply.content_type == "text/csv"
    rows = csv_rows(await reply.text())
    assert rows[0] == ["rubrique", "element", "valeur"]
    by_key = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert len(by_key) == len(rows) - 1
    seen = 0
    assert by_key[("periode", "du")] == PERIOD["du"] and by_key[("periode", "au")] == PERIOD["au"]
    seen += 2
    for ch, n in want["conversations"].items():
        assert by_key[("conversations par canal", ch)] == str(n)
        assert by_key[("messages par canal", ch)] == str(want["messages"][ch])
        seen += 2
    total = sum(want["messages"].values())
    share = f"{want['not_understood'] / total * 100:.1f}".replace(".", ",")
    assert [by_key[("messages", k)] for k in ("messages des visiteurs", "non compris", "part non comprise (%)")] \
        == [str(total), str(want["not_understood"]), share]
    seen += 3
    words = {k[1]: v for k, v in by_key.items() if k[0] == "mots des messages non compris"}
    texts = [t for _, _, i, t in want["users"] if i == "nlu_fallback"]
    if slug != "coop-paris":
        assert words["cotisation"] == "2" and "euh" not in words and "la" not in words
    assert ("parapente" in words) == (slug != "coop-normandie")
    assert all(int(v) == sum(t.lower().count(w) for t in texts) for w, v in words.items())
    seen += len(words)
    titles = topic_titles()
    for topic, n in want["topics"].items():
        assert by_key[("questions frequentes", titles[topic])] == str(n)
        seen += 1
    labels = {"eligible": "éligible", "not_eligible": "non éligible", "to_review": "à examiner"}
    for (st, sector), n in want["outcomes"].items():
        assert by_key[("eligibilite", f"{labels[st]} / {sector}")] == str(n)
        seen += 1
    fr = {"registered": "inscrit", "waitlisted": "liste d'attente", "cancelled": "annulé", "attended": "présent",
          "absent": "absent", "excused": "excusé"}
    for st, label in fr.items():
        assert by_key[("inscriptions par statut", label)] == str(want["bookings"].get(st, 0))
        seen += 1
    seen_absent = want["absent"] / (want["attended"] + want["absent"]) if want["attended"] + want["absent"] else None
    assert by_key[("presence", "présents")] == str(want["attended"])
    assert by_key[("presence", "absents")] == str(want["absent"])
    assert by_key[("presence", "excusés")] == "0"
    assert by_key[("presence", "taux d'absence (%)")] == (
        "" if seen_absent is None else f"{seen_absent * 100:.1f}".replace(".", ","))
    assert by_key[("demandes de contact", "reçues")] == str(want["handoffs"])
    assert by_key[("demandes de contact", "traitées")] == str(want["handled"])
    assert by_key[("demandes de contact", "délai médian de traitement (h)")] == ("2,0" if want["handled"] else "")
    assert by_key[("modules", "personnes inscrites (total)")] == str(want["enrolled"])
    assert by_key[("modules", "personnes inscrites dans la période")] == str(want["enrolled"])
    assert by_key[("modules", "objectifs terminés")] == str(want["completed"])
    assert by_key[("modules", "objectifs validés")] == str(want["validated"])
    seen += 11
    funnel = [v for k, v in by_key.items() if k[0] == "parcours"]
    assert funnel == [str(n) for n in want["funnel"]]
    seen += 5
    assert seen == len(rows) - 1  # every cell checked


async def test_period_and_login(dash, web_db):
    reply = await dash.get("/coach/apercu", allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login")
    assert (await dash.get("/coach/apercu.csv", allow_redirects=False)).status == 302
    await as_(dash, "admin@cae.test")
    default = await (await dash.get("/coach/apercu")).text()
    assert f'value="{(TODAY - timedelta(days=29)).isoformat()}"' in default
    assert f'value="{TODAY.isoformat()}"' in default
    bad = await (await dash.get("/coach/apercu", params={"du": "hier<b>"})).text()
    assert "Date non reconnue" in bad and "hier<b>" not in bad
    # A period before everything: zeros, no crash.
    empty = await (await dash.get("/coach/apercu", params={"du": "2001-01-01", "au": "2001-01-31"})).text()
    assert figure(empty, "conversations") == "0" and figure(empty, "bookings") == "0"
    assert 'href="/coach/apercu"' in default  # linked from the navigation
