"""The web app's doors: server-side sessions (logout, idle timeout, lifetime),
CSRF tied to the session, lock-out per account and per real client address,
security headers everywhere, and 400/404 (never 500) on malformed requests."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from sqlalchemy import select, update

from bot.storage.models import CoachSession, utcnow
from bot.web import auth
from bot.web.app import TEMPLATES_DIR, create_app
from tests.webapp import PASSWORD, as_coach

ADMIN = as_coach("admin@cae.test")
BIG = "9" * 20


async def csrf_of(client, path: str) -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def log_in(client, email="admin@cae.test", password=PASSWORD, headers=None):
    token = await csrf_of(client, "/coach/login")
    return await client.post("/coach/login", data={"email": email, "password": password,
                                                   "csrf_token": token, "next": "/coach/people"},
                             allow_redirects=False, headers=headers or {})


def session_cookie(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == auth.SESSION_COOKIE)


async def status_with_cookie(client, token: str, path="/coach/people") -> int:
    """A request from another browser holding a copy of the cookie."""
    async with aiohttp.ClientSession(headers={"Cookie": f"{auth.SESSION_COOKIE}={token}"}) as other:
        async with other.get(client.make_url(path), allow_redirects=False) as reply:
            return reply.status


# --------------------------------------------------------------------------- sessions


async def test_logout_revokes_a_copied_cookie(client, web_db):
    assert (await log_in(client)).status == 302
    token = session_cookie(client)
    assert await status_with_cookie(client, token) == 200  # the copy works while logged in
    with web_db.reader() as s:  # only a hash of the token is stored
        row = s.execute(select(CoachSession)).scalar_one()
        assert row.token_hash != token and len(row.token_hash) == 64
    page_token = await csrf_of(client, "/coach/people")
    reply = await client.post("/coach/logout", data={"csrf_token": page_token}, allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"] == "/coach/login"
    assert await status_with_cookie(client, token) == 302  # revoked at once
    assert (await client.get("/coach/people", allow_redirects=False)).status == 302
    with web_db.reader() as s:
        assert s.execute(select(CoachSession.revoked_at)).scalar_one() is not None


async def test_idle_timeout_and_absolute_lifetime(client, web_db):
    await log_in(client)
    token = session_cookie(client)
    assert (await client.get("/coach/people", allow_redirects=False)).status == 200
    web_db.run(lambda s: s.execute(update(CoachSession).values(last_seen_at=utcnow() - timedelta(minutes=119))))
    assert (await client.get("/coach/people", allow_redirects=False)).status == 200  # still within 2 h
    with web_db.reader() as s:  # ...and that use counts as activity
        assert utcnow() - s.execute(select(CoachSession.last_seen_at)).scalar_one() < timedelta(minutes=1)
    web_db.run(lambda s: s.execute(update(CoachSession).values(last_seen_at=utcnow() - timedelta(minutes=121))))
    reply = await client.get("/coach/people", allow_redirects=False)
    assert reply.status == 302 and reply.headers["Location"].startswith("/coach/login")
    assert await status_with_cookie(client, token) == 302

    await log_in(client)
    web_db.run(lambda s: s.execute(update(CoachSession).where(CoachSession.revoked_at.is_(None))
                                   .values(created_at=utcnow() - timedelta(hours=13))))
    assert (await client.get("/coach/people", allow_redirects=False)).status == 302  # 12 h at most


def test_session_lengths_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CAE_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("CAE_SESSION_MAX_HOURS", "8")
    policy = auth.SessionPolicy.from_env()
    assert (policy.idle, policy.lifetime, policy.secure) == (timedelta(minutes=30), timedelta(hours=8), False)
    monkeypatch.setenv("CAE_SESSION_IDLE_MINUTES", "n'importe quoi")
    assert auth.SessionPolicy.from_env().idle == timedelta(hours=2)


def test_idle_limit_applies_to_the_stored_session(web_db):
    policy = auth.SessionPolicy(idle=timedelta(minutes=10), lifetime=timedelta(hours=12), secure=False)
    coach = auth.authenticate(web_db, "rouen@cae.test", PASSWORD)
    token = auth.start_session(web_db, coach.id, policy)
    now = utcnow()
    assert auth.session_coach(web_db, token, policy, now=now + timedelta(minutes=9)).email == "rouen@cae.test"
    assert auth.session_coach(web_db, token, policy, now=now + timedelta(minutes=18)) is not None  # 9 min idle
    assert auth.session_coach(web_db, token, policy, now=now + timedelta(minutes=29)) is None  # 11 min idle
    assert auth.session_coach(web_db, token, policy, now=now + timedelta(minutes=30)) is None  # stays ended
    assert auth.session_coach(web_db, "not-a-token", policy) is None


async def test_csrf_token_belongs_to_one_session(client):
    await log_in(client)
    old_token = await csrf_of(client, "/coach/people")
    await client.post("/coach/logout", data={"csrf_token": old_token})
    await log_in(client)
    reply = await client.post("/coach/logout", data={"csrf_token": old_token}, allow_redirects=False)
    assert reply.status == 403  # the old session's token does not work in the new one
    reply = await client.post("/coach/logout", data={"csrf_token": await csrf_of(client, "/coach/people")},
                              allow_redirects=False)
    assert reply.status == 302


async def test_login_gives_a_new_session_each_time(client):
    await log_in(client)
    first = session_cookie(client)
    await log_in(client, email="rouen@cae.test")
    assert session_cookie(client) != first
    assert await status_with_cookie(client, first) == 302  # the one the browser came with is gone


async def test_secure_cookies_when_configured(web_db, monkeypatch):
    monkeypatch.setenv("CAE_SECURE_COOKIES", "1")
    app = create_app(rasa_url="http://rasa.test:5005", db=web_db, reminder_interval=0)
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/coach/login")
        assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]


# --------------------------------------------------------------------------- lock-out


async def test_lock_out_of_one_account_does_not_lock_the_others(client):
    for _ in range(auth.LOGIN_FAILURES_ALLOWED):
        assert (await log_in(client, email="rouen@cae.test", password="mauvais mot de passe")).status == 401
    locked = await log_in(client, email="rouen@cae.test")  # even the right password waits
    assert locked.status == 429 and "essais : réessayez" in await locked.text()
    assert (await log_in(client, email="paris@cae.test")).status == 302  # same address, other account
    # Basic auth shares the count.
    assert (await client.get("/api/sessions/1/bookings", auth=as_coach("rouen@cae.test"))).status == 401


@pytest.fixture
async def behind_proxy(web_db, monkeypatch):
    monkeypatch.setenv("CAE_TRUSTED_PROXIES", "127.0.0.1")
    app = create_app(rasa_url="http://rasa.test:5005", db=web_db, reminder_interval=0)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_flood_from_one_address_is_limited_but_not_others(behind_proxy):
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(auth.LOGIN_FAILURES_PER_ADDRESS):
        reply = await log_in(behind_proxy, email=f"inconnu{n}@cae.test", password="x", headers=attacker)
        assert reply.status == 401
    assert (await log_in(behind_proxy, email="rouen@cae.test", headers=attacker)).status == 429
    coach = {"X-Forwarded-For": "198.51.100.2"}
    assert (await log_in(behind_proxy, email="rouen@cae.test", headers=coach)).status == 302


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(client):
    """Without CAE_TRUSTED_PROXIES, X-Forwarded-For changes nothing: a client
    cannot escape the per-address count by inventing addresses."""
    for n in range(auth.LOGIN_FAILURES_PER_ADDRESS):
        reply = await log_in(client, email=f"inconnu{n}@cae.test", password="x",
                             headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert reply.status == 401
    reply = await log_in(client, email="rouen@cae.test", headers={"X-Forwarded-For": "198.51.100.2"})
    assert reply.status == 429


def request_from(peer: str, trusted: str, **headers: str) -> web.Request:
    app = web.Application()
    app[auth.TRUSTED_PROXIES_KEY] = auth.trusted_proxies(trusted)
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" else default
    return make_mocked_request("GET", "/", headers=headers, app=app, transport=transport)


def test_client_address():
    spoofed = {"X-Forwarded-For": "1.2.3.4, 203.0.113.7"}
    assert auth.client_address(request_from("198.51.100.9", "", **spoofed)) == "198.51.100.9"
    assert auth.client_address(request_from("198.51.100.9", "127.0.0.1", **spoofed)) == "198.51.100.9"
    # From the proxy: the right-most hop the proxy saw, not what the client wrote before it.
    assert auth.client_address(request_from("127.0.0.1", "127.0.0.1", **spoofed)) == "203.0.113.7"
    assert auth.client_address(request_from("127.0.0.1", "127.0.0.1, 10.0.0.0/8",
                                            **{"X-Forwarded-For": "203.0.113.7, 10.1.2.3"})) == "203.0.113.7"
    assert auth.client_address(request_from("127.0.0.1", "127.0.0.1", **{"X-Real-IP": "203.0.113.8"})) == "203.0.113.8"
    assert auth.client_address(request_from("127.0.0.1", "127.0.0.1", **{"X-Forwarded-For": "n'importe quoi"})) \
        == "127.0.0.1"


def test_throttle_window_forgets_old_failures():
    now = [0.0]
    limiter = auth.LoginThrottle(per_account=2, per_address=3, window=60, clock=lambda: now[0])
    limiter.failed("a@x", "1.1.1.1")
    limiter.failed("a@x", "1.1.1.1")
    assert limiter.blocked("a@x", "2.2.2.2") and not limiter.blocked("b@x", "2.2.2.2")
    limiter.failed("b@x", "1.1.1.1")
    assert limiter.blocked("c@x", "1.1.1.1")  # the address is at its limit
    now[0] = 61.0
    assert not limiter.blocked("a@x", "1.1.1.1") and not limiter.blocked("b@x", "1.1.1.1")
    assert not limiter.failures  # expired keys are dropped


# --------------------------------------------------------------------------- headers


async def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/coach/login", "/api/sessions", "/static/coach.css", "/pas-de-page", "/coach/people/abc"):
        reply = await client.get(path, allow_redirects=False)
        headers = reply.headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert csp["script-src"] == "'self'", path
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'", path
        # The widget talks to Rasa by socket.io: HTTP polling, then a WebSocket.
        assert csp["connect-src"] == "'self' http://rasa.test:5005 ws://rasa.test:5005", path
        if path != "/":
            assert csp["style-src"] == "'self'", path


def test_https_rasa_gets_wss():
    from bot.web.app import content_security_policy

    assert "connect-src 'self' https://chat.cae.fr wss://chat.cae.fr;" in content_security_policy("https://chat.cae.fr")


def test_templates_have_no_inline_script_or_style():
    for template in list(TEMPLATES_DIR.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|javascript:", text, re.IGNORECASE), template


# --------------------------------------------------------------------------- malformed requests

BROKEN_MULTIPART = ("--x\r\nbroken", {"Content-Type": "multipart/form-data; boundary=x"})

# (method, path, form or JSON body, body kind)
DASHBOARD = [
    ("GET", "/coach/people/abc", None), ("GET", f"/coach/people/{BIG}", None), ("GET", "/coach/people/-1", None),
    ("GET", "/coach/sessions/abc", None), ("GET", f"/coach/sessions/{BIG}", None),
    ("GET", "/coach/sessions/1.5", None), ("GET", "/coach/export/rien.csv", None),
    ("POST", "/coach/people/abc/validate", {}), ("POST", f"/coach/people/{BIG}/validate", {}),
    ("POST", "/coach/people/1/validate", {"objective_id": "\x00" * 300}),
    ("POST", "/coach/handoffs/abc/handled", {}), ("POST", f"/coach/handoffs/{BIG}/handled", {}),
    ("POST", "/coach/handoffs/999999999/handled", {}),
    ("POST", "/coach/sessions/abc/edit", {}), ("POST", f"/coach/sessions/{BIG}/edit", {}),
    ("POST", f"/coach/sessions/{BIG}/cancel", {}),
    ("POST", "/coach/sessions", {"cae": "coop-paris", "jour": "9999-12-31", "debut": "23:00", "fin": "23:30",
                                 "capacity": "10", "video_url": "https://visio.test/x"}),
    ("POST", "/coach/sessions", {"cae": "coop-paris", "jour": "garbage", "debut": "25:00", "fin": "x"}),
    ("POST", "/coach/sessions", {"cae": "coop-paris", "jour": "2030-01-01", "debut": "10:00", "fin": "11:00",
                                 "capacity": BIG, "place_id": BIG}),
    ("POST", "/coach/sessions/1/edit", {"jour": "9999-12-31", "debut": "23:00", "fin": "23:30"}),
    ("POST", "/coach/sessions/1/edit", {"place_id": "abc"}),
    ("POST", "/coach/sessions/1/edit", {"place_id": BIG}),
    ("POST", "/coach/sessions/1/edit", {"capacity": "1e400"}),
    ("POST", "/coach/bookings/%00%00/attendance", {"status": "present"}),
    ("POST", f"/coach/bookings/{BIG}/attendance", {"status": "attended"}),
    ("POST", "/coach/sessions", BROKEN_MULTIPART), ("POST", "/coach/sessions/1/edit", BROKEN_MULTIPART),
    ("POST", "/coach/people/1/validate", BROKEN_MULTIPART),
]
API = [
    ("GET", f"/api/sessions/{BIG}/bookings", None), ("GET", "/api/sessions/abc/bookings", None),
    ("PATCH", f"/api/sessions/{BIG}", {}), ("PATCH", "/api/sessions/abc", {}),
    ("POST", f"/api/sessions/{BIG}/cancel", {}), ("POST", "/api/sessions/0/cancel", {}),
    ("GET", f"/api/people/{BIG}/progress", None), ("GET", "/api/people/abc/progress", None),
    ("POST", f"/api/people/{BIG}/enrolments", {"module": "x"}),
    ("POST", f"/api/people/{BIG}/objectives/x/validate", {}), ("POST", f"/api/people/{BIG}/link-code", {}),
    ("POST", "/api/people/1/enrolments", {"module": ["x"]}),
    ("POST", f"/api/bookings/{BIG}/attendance", {"status": "attended"}),
    ("POST", "/api/bookings/RI-AAAAAA/attendance", {"status": ["x"]}),
    ("POST", "/api/sessions", {"cae": "coop-paris", "starts_at": "9999-12-31T23:00:00-05:00",
                               "ends_at": "9999-12-31T23:30:00-05:00", "capacity": 5, "video_url": "https://v.test"}),
    ("POST", "/api/sessions", {"cae": "coop-paris", "starts_at": "0001-01-01T00:00:00+01:00",
                               "ends_at": "0001-01-01T01:00:00+01:00", "capacity": 5, "video_url": "https://v.test"}),
    ("POST", "/api/sessions", {"cae": ["x"], "starts_at": 5, "ends_at": None, "capacity": [1]}),
    ("POST", "/api/sessions", {"cae": "coop-paris", "starts_at": "2030-01-01T10:00:00+01:00",
                               "ends_at": "2030-01-01T11:00:00+01:00", "capacity": 5, "place_id": BIG}),
    ("POST", "/api/sessions", {"cae": "coop-paris", "starts_at": "2030-01-01T10:00:00+01:00",
                               "ends_at": "2030-01-01T11:00:00+01:00", "capacity": 5, "place_id": {"a": 1}}),
    ("PATCH", "/api/sessions/1", {"starts_at": "9999-12-31T23:59:00+00:00", "ends_at": "garbage"}),
    ("PATCH", "/api/sessions/1", {"capacity": "Infinity"}), ("PATCH", "/api/sessions/1", {"place_id": "2147483648"}),
    ("PATCH", "/api/sessions/1", {"status": {"planned": 1}}),
    ("POST", "/api/sessions", "not json"), ("POST", "/api/sessions", "[1, 2]"), ("POST", "/api/sessions", "null"),
    ("POST", "/api/sessions", b"\xff\xfe"), ("PATCH", "/api/sessions/1", '{"capacity": Infinity}'),
    ("POST", "/api/sessions", BROKEN_MULTIPART),
]


def _request_args(body, csrf_header: dict) -> dict:
    if isinstance(body, tuple):
        data, headers = body
        return {"data": data, "headers": {**csrf_header, **headers}}
    if isinstance(body, (str, bytes)):
        return {"data": body, "headers": {**csrf_header, "Content-Type": "application/json"}}
    if body is None:
        return {"headers": csrf_header}
    return {"data": body, "headers": csrf_header}


def _check(reply_status: int, text: str, what: str) -> None:
    assert reply_status in (400, 404), f"{what}: {reply_status} {text[:200]}"
    assert "Traceback" not in text and "Error" not in text, what
    assert "Not Found" not in text and "Bad Request" not in text, what  # aiohttp's English defaults
    assert re.search(r"[éèàçêô«]|invalide|introuvable|inconnu|attendu", text, re.IGNORECASE), f"{what}: {text[:200]}"


async def test_malformed_dashboard_requests_get_400_or_404(client):
    await log_in(client)
    token = await csrf_of(client, "/coach/people")
    for method, path, body in DASHBOARD:
        args = _request_args(body if not isinstance(body, dict) else {**body, "csrf_token": token},
                             {"X-CSRF-Token": token})
        reply = await client.request(method, path, allow_redirects=False, **args)
        _check(reply.status, await reply.text(), f"{method} {path} {str(body)[:60]}")


async def test_malformed_api_requests_get_400_or_404_in_json(client):
    for method, path, body in API:
        args = _request_args(body, {})
        if isinstance(body, dict):
            args = {"json": body}
        reply = await client.request(method, path, auth=ADMIN, **args)
        assert reply.content_type == "application/json", f"{method} {path}: {(await reply.text())[:100]}"
        _check(reply.status, (await reply.json())["error"], f"{method} {path} {str(body)[:60]}")


async def test_unauthenticated_broken_login_body_is_a_400(client):
    data, headers = BROKEN_MULTIPART
    reply = await client.post("/coach/login", data=data, headers=headers)
    assert reply.status == 400 and "Requête invalide" in await reply.text()
    reply = await client.post("/coach/login", data=b"email=\xff\xfe", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status in (400, 403)


async def test_unexpected_error_is_a_french_500_without_traceback(web_db):
    app = create_app(rasa_url="http://rasa.test:5005", db=web_db, reminder_interval=0)

    async def boom(_):
        raise RuntimeError("secret detail")

    app.router.add_get("/boom", boom)
    app.router.add_get("/api/boom", boom)
    async with TestClient(TestServer(app)) as client:
        for path in ("/boom", "/api/boom"):
            reply = await client.get(path)
            text = await reply.text()
            assert reply.status == 500 and "erreur inattendue" in text, path
            assert "secret detail" not in text and "Traceback" not in text, path
            assert reply.headers["X-Frame-Options"] == "DENY"
