"""Coach accounts and the doors of the web app.

Passwords are argon2 hashes (argon2-cffi). A coach proves who they are with
the dashboard's session cookie (aiohttp-session, encrypted with a key from
``CAE_SESSION_KEY`` or generated once into ``var/session_key``) or, for API
clients, with HTTP Basic auth (e-mail + password). Cookie-authenticated
changes need the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``); Basic-auth calls carry no ambient credentials and need none.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hmac
import os
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Optional

from aiohttp import web
from aiohttp_session import get_session, setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot import settings
from bot.storage.db import Database
from bot.storage.models import ROLE_ADMIN, ROLE_COACH, ROLES, Coach, utcnow

HASHER = PasswordHasher()
DB_KEY = web.AppKey("db", Database)
SESSION_COOKIE = "cae_coach"
MIN_PASSWORD_LENGTH = 10
FIRST_ADMIN_EMAIL = "admin@cae.local"

# Failed logins: at most this many per e-mail and per client address in the window.
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_S = 300.0


@dataclass(frozen=True)
class CoachInfo:
    id: int
    email: str
    name: str
    role: str
    cae_id: Optional[int]

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def can_see_cae(self, cae_id: Optional[int]) -> bool:
        """Admins without a CAE see everything; others only their own CAE."""
        if self.is_admin and self.cae_id is None:
            return True
        return cae_id is not None and cae_id == self.cae_id


class AuthError(ValueError):
    """Bad input to an account command, with a French message."""


def _info(coach: Coach) -> CoachInfo:
    return CoachInfo(coach.id, coach.email, coach.name, coach.role, coach.cae_id)


def create_coach(db: Database, email: str, password: str, role: str = ROLE_COACH,
                 cae_id: Optional[int] = None, name: str = "") -> int:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AuthError("Adresse e-mail invalide.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères.")
    if role not in ROLES:
        raise AuthError(f"Rôle inconnu : {role}.")

    def work(s) -> int:
        if s.execute(select(Coach.id).where(Coach.email == email)).first():
            raise AuthError("Un compte existe déjà avec cette adresse e-mail.")
        coach = Coach(email=email, name=name or "", password_hash=HASHER.hash(password),
                      role=role, cae_id=cae_id)
        s.add(coach)
        s.flush()
        return coach.id

    return db.run(work)


def authenticate(db: Database, email: str, password: str) -> Optional[CoachInfo]:
    email = (email or "").strip().lower()
    with db.Session() as s, s.begin():
        coach = s.execute(select(Coach).where(Coach.email == email)).scalar_one_or_none()
        if coach is None or not coach.active:
            HASHER.hash("timing-equaliser")  # same cost whether the account exists or not
            return None
        try:
            HASHER.verify(coach.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if HASHER.check_needs_rehash(coach.password_hash):
            coach.password_hash = HASHER.hash(password)
        coach.last_login_at = utcnow()
        return _info(coach)


def coach_by_id(db: Database, coach_id: int) -> Optional[CoachInfo]:
    with db.reader() as s:
        coach = s.get(Coach, coach_id)
        return _info(coach) if coach is not None and coach.active else None


def ensure_first_admin(db: Database, password_file: Optional[Path] = None) -> Optional[str]:
    """On a fresh installation (no account at all), create ``admin@cae.local``
    with a random password written to ``var/admin_password`` (0600); returns
    the password, or None when accounts exist."""
    with db.reader() as s:
        if s.execute(select(func.count(Coach.id))).scalar_one():
            return None
    password = secrets.token_urlsafe(12)
    create_coach(db, FIRST_ADMIN_EMAIL, password, role=ROLE_ADMIN, name="Administrateur")
    path = password_file or Path(settings.VAR_DIR) / "admin_password"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


# --------------------------------------------------------------------------- sessions


def session_key() -> bytes:
    """32 bytes for Fernet: ``CAE_SESSION_KEY`` (urlsafe base64) or var/session_key."""
    configured = os.environ.get("CAE_SESSION_KEY", "").strip()
    if configured:
        return base64.urlsafe_b64decode(configured)
    path = Path(settings.VAR_DIR) / "session_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return base64.urlsafe_b64decode(path.read_text().strip())


def setup(app: web.Application, db: Database) -> None:
    app[DB_KEY] = db
    secure = os.environ.get("CAE_SECURE_COOKIES", "").strip() in ("1", "true", "yes")
    setup_sessions(app, EncryptedCookieStorage(
        session_key(), cookie_name=SESSION_COOKIE, httponly=True, secure=secure,
        samesite="Lax", max_age=12 * 3600))


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


async def check_csrf(request: web.Request, submitted: Optional[str]) -> bool:
    session = await get_session(request)
    expected = session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


async def log_in(request: web.Request, coach: CoachInfo) -> None:
    session = await get_session(request)
    session.invalidate()  # new session on login (no fixation)
    session = await get_session(request)
    session["coach_id"] = coach.id
    session["csrf"] = secrets.token_urlsafe(24)


async def log_out(request: web.Request) -> None:
    (await get_session(request)).invalidate()


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
    """Counts failed logins per key (e-mail, client address) in a sliding window."""

    def __init__(self, allowed: int = LOGIN_FAILURES_ALLOWED, window: float = LOGIN_WINDOW_S):
        self.allowed, self.window = allowed, window
        self.failures: dict[str, deque] = defaultdict(deque)

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        for key in keys:
            times = self.failures[key]
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) >= self.allowed:
                return True
        return False

    def failed(self, *keys: str) -> None:
        for key in keys:
            self.failures[key].append(time.monotonic())


THROTTLE_KEY = web.AppKey("login_throttle", LoginThrottle)


def throttle(app: web.Application) -> LoginThrottle:
    if THROTTLE_KEY not in app:
        app[THROTTLE_KEY] = LoginThrottle()
    return app[THROTTLE_KEY]


async def current_coach(request: web.Request) -> Optional[CoachInfo]:
    """The coach behind this request (Basic auth or session cookie), or None."""
    db = request.app[DB_KEY]
    basic = _basic_credentials(request)
    if basic is not None:
        email, password = basic
        keys = (f"e:{email.strip().lower()}", f"ip:{request.remote}")
        limiter = throttle(request.app)
        if limiter.blocked(*keys):
            return None
        coach = authenticate(db, email, password)
        if coach is None:
            limiter.failed(*keys)
        else:
            request["auth"] = "basic"
        return coach
    session = await get_session(request)
    coach_id = session.get("coach_id")
    if not coach_id:
        return None
    coach = coach_by_id(db, int(coach_id))
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
