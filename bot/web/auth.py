"""Coach accounts and the doors of the web app.

Passwords are argon2 hashes (argon2-cffi). A coach proves who they are with
the dashboard's session cookie or, for API clients, with HTTP Basic auth
(e-mail + password). Sessions live in the ``coach_session`` table (the cookie
holds a random token, the table its SHA-256): logout revokes them at once, and
they end after ``CAE_SESSION_IDLE_MINUTES`` idle or ``CAE_SESSION_MAX_HOURS``.
Cookie-authenticated changes need the session's CSRF token (an HMAC of the
session token with ``CAE_SESSION_KEY`` or ``var/session_key``; form field
``csrf_token`` or header ``X-CSRF-Token``); Basic-auth calls carry no ambient
credentials and need none. Failed logins are counted per account and per
client address (X-Forwarded-For only from ``CAE_TRUSTED_PROXIES``).
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Optional

from aiohttp import web
from sqlalchemy import delete, select, update

from bot import settings
from bot.accounts import (  # noqa: F401  (re-exported: the web app's accounts)
    FIRST_ADMIN_EMAIL,
    HASHER,
    MIN_PASSWORD_LENGTH,
    AuthError,
    CoachInfo,
    authenticate,
    coach_by_id,
    coach_info,
    create_coach,
    ensure_first_admin,
)
from bot.storage.db import Database
from bot.storage.models import Coach, CoachSession, utcnow

DB_KEY = web.AppKey("db", Database)
SESSION_COOKIE = "cae_coach"  # a random token; the session lives in the coach_session table
LOGIN_COOKIE = "cae_login"  # before login: what the login form's CSRF token is tied to

# Failed logins in the window: at most this many per account (e-mail), and
# LOGIN_FAILURES_PER_ADDRESS per client address.
LOGIN_FAILURES_ALLOWED = 5
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_WINDOW_S = 300.0


# --------------------------------------------------------------------------- sessions


def session_key() -> bytes:
    """The server secret for CSRF tokens: ``CAE_SESSION_KEY`` (urlsafe base64)
    or one generated into var/session_key."""
    text = settings.secret("session_key")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))  # generated ones have no padding


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta
    secure: bool

    @classmethod
    def from_env(cls) -> "SessionPolicy":
        """``CAE_SESSION_IDLE_MINUTES`` (120), ``CAE_SESSION_MAX_HOURS`` (12),
        ``CAE_SECURE_COOKIES`` (cookies only over HTTPS; set it behind HTTPS)."""
        config = settings.current()
        return cls(idle=timedelta(minutes=config.session_idle_minutes),
                   lifetime=timedelta(hours=config.session_max_hours),
                   secure=config.secure_cookies)


# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db: Database, coach_id: int, policy: SessionPolicy) -> str:
    """A new session row; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()

    def work(s) -> None:
        # Old rows go as new ones come: nothing past its lifetime is kept.
        s.execute(delete(CoachSession).where(CoachSession.created_at < now - policy.lifetime))
        s.add(CoachSession(token_hash=_token_hash(token), coach_id=coach_id, created_at=now, last_seen_at=now))

    db.run(work)
    return token


def session_coach(db: Database, token: Optional[str], policy: SessionPolicy,
                  now: Optional[datetime] = None) -> Optional[CoachInfo]:
    """The coach of a live session (not revoked, not idle, not too old), or None."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with db.reader() as s:  # most requests only read
        row = s.execute(select(CoachSession).where(
            CoachSession.token_hash == _token_hash(token))).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        coach = s.get(Coach, row.coach_id)
        info = coach_info(coach) if coach is not None and coach.active else None
        session_id, last_seen, created = row.id, row.last_seen_at, row.created_at
    expired = now - last_seen > policy.idle or now - created > policy.lifetime
    if expired or now - last_seen >= TOUCH_EVERY:
        values = {"revoked_at": now} if expired else {"last_seen_at": now}
        db.run(lambda s: s.execute(update(CoachSession).where(CoachSession.id == session_id).values(**values)))
    return None if expired else info


def revoke_session(db: Database, token: Optional[str]) -> None:
    if not token:
        return

    def work(s) -> None:
        s.execute(update(CoachSession).where(CoachSession.token_hash == _token_hash(token),
                                             CoachSession.revoked_at.is_(None)).values(revoked_at=utcnow()))

    db.run(work)


def revoke_all_sessions(db: Database, coach_id: int) -> None:
    """Log a coach out everywhere (e.g. after a password change or deactivation)."""
    db.run(lambda s: s.execute(update(CoachSession).where(
        CoachSession.coach_id == coach_id, CoachSession.revoked_at.is_(None)).values(revoked_at=utcnow())))


SECRET_KEY = web.AppKey("csrf_secret", bytes)
POLICY_KEY = web.AppKey("session_policy", SessionPolicy)
TRUSTED_PROXIES_KEY = web.AppKey("trusted_proxies", tuple)


def setup(app: web.Application, db: Database) -> None:
    app[DB_KEY] = db
    app[SECRET_KEY] = session_key()
    app[POLICY_KEY] = SessionPolicy.from_env()
    app[TRUSTED_PROXIES_KEY] = trusted_proxies()


@web.middleware
async def session_cookies(request: web.Request, handler):
    """Writes the cookie changes asked for while handling the request (also on
    raised redirects and errors). Goes first in the app's middlewares."""
    try:
        response = await handler(request)
    except web.HTTPException as raised:
        _apply_cookies(request, raised)
        raise
    _apply_cookies(request, response)
    return response


def _apply_cookies(request: web.Request, response: web.StreamResponse) -> None:
    policy = request.app[POLICY_KEY]
    secure = policy.secure or request.secure
    if "set_session" in request:
        response.set_cookie(SESSION_COOKIE, request["set_session"], httponly=True, secure=secure,
                            samesite="Lax", path="/", max_age=int(policy.lifetime.total_seconds()))
    elif request.get("clear_session"):
        response.del_cookie(SESSION_COOKIE, path="/")
    if "set_login_cookie" in request:
        response.set_cookie(LOGIN_COOKIE, request["set_login_cookie"], httponly=True, secure=secure,
                            samesite="Lax", path="/coach/login", max_age=3600)


async def _session(request: web.Request) -> Optional[CoachInfo]:
    """The coach of the request's session cookie (looked up once per request)."""
    if "session_coach" not in request:
        token = request.cookies.get(SESSION_COOKIE)
        coach = session_coach(request.app[DB_KEY], token, request.app[POLICY_KEY])
        request["session_coach"] = coach
        request["session_token"] = token if coach is not None else None
        if token and coach is None:
            request["clear_session"] = True
    return request["session_coach"]


def _sign(request: web.Request, purpose: str, value: str) -> str:
    return hmac.new(request.app[SECRET_KEY], f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


async def csrf_token(request: web.Request) -> str:
    """Tied to the session (an HMAC of its token); before login, to a random
    ``cae_login`` cookie."""
    await _session(request)
    if request["session_token"]:
        return _sign(request, "session", request["session_token"])
    value = request.get("set_login_cookie") or request.cookies.get(LOGIN_COOKIE)
    if not value or len(value) > 100:
        value = request["set_login_cookie"] = secrets.token_urlsafe(24)
    return _sign(request, "login", value)


async def check_csrf(request: web.Request, submitted: Optional[str]) -> bool:
    await _session(request)
    if request["session_token"]:
        expected = _sign(request, "session", request["session_token"])
    else:
        value = request.cookies.get(LOGIN_COOKIE)
        if not value:
            return False
        expected = _sign(request, "login", value)
    return bool(submitted) and hmac.compare_digest(expected, str(submitted))


async def log_in(request: web.Request, coach: CoachInfo) -> None:
    """A new session (never the one the browser came with: no fixation)."""
    revoke_session(request.app[DB_KEY], request.cookies.get(SESSION_COOKIE))
    request["set_session"] = start_session(request.app[DB_KEY], coach.id, request.app[POLICY_KEY])


async def log_out(request: web.Request) -> None:
    """Revoked in the database: a copy of the cookie stops working at once."""
    revoke_session(request.app[DB_KEY], request.cookies.get(SESSION_COOKIE))
    request["clear_session"] = True


# --------------------------------------------------------------------------- client address and lock-out


def trusted_proxies(raw: Optional[str] = None) -> tuple:
    """``CAE_TRUSTED_PROXIES``: comma-separated addresses or networks of the
    reverse proxies whose X-Forwarded-For is believed (none by default)."""
    raw = settings.current().trusted_proxies if raw is None else raw
    networks = []
    for item in raw.replace(";", ",").split(","):
        if item.strip():
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def _address(text: Optional[str]):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_address(request: web.Request) -> str:
    """The real client: the peer, unless the peer is a trusted proxy; then the
    right-most X-Forwarded-For hop that is not a trusted proxy (hops further
    left were written by the client and can be anything), or X-Real-IP."""
    peer = request.remote or ""
    trusted = request.app.get(TRUSTED_PROXIES_KEY, ())

    def is_trusted(address) -> bool:
        return address is not None and any(address in network for network in trusted)

    if not is_trusted(_address(peer)):
        return peer
    hops = [hop for header in request.headers.getall("X-Forwarded-For", []) for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        if not is_trusted(address):
            return str(address)
    real = _address(request.headers.get("X-Real-IP"))
    return str(real) if real is not None else peer


def _basic_credentials(request: web.Request) -> Optional[tuple[str, str]]:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, _, password = decoded.partition(":")
    return email, password


class LoginThrottle:
    """Failed logins in a sliding window, counted per account (e-mail) and per
    client address: an account is locked after ``per_account`` failures (other
    accounts are not), an address after ``per_address`` (a flood)."""

    MAX_KEYS = 10_000

    def __init__(self, per_account: int = LOGIN_FAILURES_ALLOWED,
                 per_address: int = LOGIN_FAILURES_PER_ADDRESS, window: float = LOGIN_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = {"e": per_account, "ip": per_address}
        self.window, self.clock = window, clock
        self.failures: dict[str, deque] = {}

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], ...]:
        return ("e", f"e:{(email or '').strip().lower()}"), ("ip", f"ip:{address}")

    def _recent(self, key: str, now: float) -> int:
        times = self.failures.get(key)
        if not times:
            return 0
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self.failures[key]
            return 0
        return len(times)

    def blocked(self, email: str, address: str) -> bool:
        now = self.clock()
        return any(self._recent(key, now) >= self.limits[kind] for kind, key in self._keys(email, address))

    def failed(self, email: str, address: str) -> None:
        now = self.clock()
        if len(self.failures) > self.MAX_KEYS:
            for key in list(self.failures):
                self._recent(key, now)
        for _, key in self._keys(email, address):
            self.failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        self.failures.pop(self._keys(email, "")[0][1], None)


THROTTLE_KEY = web.AppKey("login_throttle", LoginThrottle)


def throttle(app: web.Application) -> LoginThrottle:
    if THROTTLE_KEY not in app:
        app[THROTTLE_KEY] = LoginThrottle()
    return app[THROTTLE_KEY]


def checked_login(request: web.Request, email: str, password: str) -> tuple[Optional[CoachInfo], bool]:
    """(coach or None, locked): the password checked unless the account or the
    client address is locked out; failures counted."""
    limiter, address = throttle(request.app), client_address(request)
    if limiter.blocked(email, address):
        return None, True
    coach = authenticate(request.app[DB_KEY], email, password)
    if coach is None:
        limiter.failed(email, address)
    else:
        limiter.succeeded(email)
    return coach, False


async def current_coach(request: web.Request) -> Optional[CoachInfo]:
    """The coach behind this request (Basic auth or session cookie), or None."""
    basic = _basic_credentials(request)
    if basic is not None:
        coach, _ = checked_login(request, *basic)
        if coach is not None:
            request["auth"] = "basic"
        return coach
    coach = await _session(request)
    if coach is not None:
        request["auth"] = "cookie"
    return coach


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def unauthorised(request: web.Request) -> web.StreamResponse:
    if _is_api(request):
        return web.json_response(
            {"error": "authentification requise"}, status=401,
            headers={"WWW-Authenticate": 'Basic realm="CAE", charset="UTF-8"'})
    raise web.HTTPFound(f"/coach/login?next={request.path_qs if request.method == 'GET' else '/coach/'}")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def login_required(handler: Handler = None, *, admin: bool = False):
    """Decorator: sets ``request["coach"]``; 401 (API) or redirect to the login page;
    403 for a coach on an admin page; CSRF check on cookie-authenticated changes."""

    def decorate(inner: Handler) -> Handler:
        @functools.wraps(inner)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            coach = await current_coach(request)
            if coach is None:
                return unauthorised(request)
            if admin and not coach.is_admin:
                return forbidden(request)
            if request.method not in ("GET", "HEAD", "OPTIONS") and request.get("auth") == "cookie":
                submitted = request.headers.get("X-CSRF-Token")
                if submitted is None and request.content_type in (
                        "application/x-www-form-urlencoded", "multipart/form-data"):
                    submitted = (await request.post()).get("csrf_token")
                if not await check_csrf(request, submitted):
                    return forbidden(request, "jeton CSRF manquant ou invalide")
            request["coach"] = coach
            return await inner(request)

        return wrapper

    return decorate(handler) if handler is not None else decorate


def admin_required(handler: Handler) -> Handler:
    return login_required(handler, admin=True)


def forbidden(request: web.Request, why: str = "accès refusé") -> web.StreamResponse:
    if _is_api(request):
        return web.json_response({"error": why}, status=403)
    return web.Response(status=403, text=f"Accès refusé : {why}.", content_type="text/plain")
