"""The aiohttp application: the widget page (``/``), the privacy page
(``/confidentialite``) and ``/static/...``.

The chat widget is ``rasa-webchat`` from the npm registry, installed by
``make setup`` (``npm ci``) into ``node_modules/`` and served from here as
``/static/vendor/rasa-webchat.js``: nothing comes from a CDN at run time.
``/static/cae-widget.js`` is the one-line loader a CAE puts on its own site.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
from pathlib import Path
from string import Template
from typing import Optional
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from sqlalchemy.exc import DataError

from bot import settings
from bot.booking.reminders import send_due_reminders
from bot.privacy.notice import PRIVACY_PATH, RetentionDays
from bot.storage.db import Database, get_database, upgrade
from bot.web import api, auth, booking_pages, curriculum_api, dashboard, data_export, learning, overview

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
WEBCHAT_BUNDLE = settings.ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"

RASA_URL_KEY = web.AppKey("rasa_url", str)
PUBLIC_URL_KEY = web.AppKey("public_url", str)


def default_rasa_url() -> str:
    """Rasa's URL as the browser sees it: ``CAE_PUBLIC_RASA_URL`` or the local server."""
    configured = settings.current().public_rasa_url_setting
    if configured:
        return configured
    host = "127.0.0.1" if settings.HOST in ("0.0.0.0", "::") else settings.HOST
    return f"http://{host}:{settings.RASA_PORT}"


def embed_snippet(public_url: str, rasa_url: str) -> str:
    return (
        f'<script src="{public_url}/static/cae-widget.js"\n'
        f'        data-rasa-url="{rasa_url}" defer></script>'
    )


def _public_url(request: web.Request) -> str:
    configured = request.app[PUBLIC_URL_KEY]
    if configured:
        return configured
    return f"{request.scheme}://{request.host}"


async def index(request: web.Request) -> web.Response:
    rasa_url = request.app[RASA_URL_KEY]
    public_url = _public_url(request)
    page = Template((TEMPLATES_DIR / "index.html").read_text(encoding="utf-8")).substitute(
        rasa_url=html.escape(rasa_url, quote=True),
        snippet=html.escape(embed_snippet(public_url, rasa_url)),
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


LOOK_OPTIONS = ("color", "name", "greeting", "avatar", "cae")  # cae: the CAE it speaks for
WIDGET_PAGES = ("/", "/apercu")


async def preview(request: web.Request) -> web.Response:
    """The floating bubble as on a CAE's site, with the look options of the
    query string (``?color=…&name=…&greeting=…&avatar=…``) as data attributes."""
    options = "".join(
        f' data-{name}="{html.escape(request.query[name][:200], quote=True)}"'
        for name in LOOK_OPTIONS if request.query.get(name)
    )
    page = Template((TEMPLATES_DIR / "preview.html").read_text(encoding="utf-8")).substitute(
        rasa_url=html.escape(request.app[RASA_URL_KEY], quote=True), options=options,
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


async def privacy_page(_: web.Request) -> web.Response:
    """What is kept and for how long, from the retention settings the purge applies."""
    days = RetentionDays.from_env()
    page = Template((TEMPLATES_DIR / "privacy.html").read_text(encoding="utf-8")).substitute(
        transcripts=days.transcripts, cancelled=days.cancelled_bookings, people=days.people,
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


# The bundle's CSS imports a web font from Google's CDN; the widget falls back
# to the system font without it, and nothing is fetched from outside.
CDN_FONT_IMPORT = "@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"


@functools.lru_cache(maxsize=2)
def _bundle(path: Path, mtime: float) -> bytes:
    return path.read_text(encoding="utf-8").replace(CDN_FONT_IMPORT, "").encode("utf-8")


async def webchat_bundle(request: web.Request) -> web.StreamResponse:
    if not WEBCHAT_BUNDLE.exists():
        return web.Response(
            status=503, text="Le widget n'est pas installé : lancez « make setup » (npm ci).",
            content_type="text/plain",
        )
    body = _bundle(WEBCHAT_BUNDLE, WEBCHAT_BUNDLE.stat().st_mtime)
    return web.Response(body=body, content_type="application/javascript", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})


async def favicon(_: web.Request) -> web.Response:
    return web.Response(status=204)


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# --------------------------------------------------------------------------- headers and errors

CSP_KEY = web.AppKey("content_security_policy", dict)


def content_security_policy(rasa_url: str, widget: bool = False) -> str:
    """No inline script anywhere; the widget page may reach Rasa (HTTP for
    socket.io's polling, ws/wss for its WebSocket) and lets the chat bundle add
    its own <style> elements (it ships its CSS inside the JavaScript)."""
    parts = urlsplit(rasa_url)
    connect = ["'self'"]
    if parts.scheme in ("http", "https") and parts.netloc:
        ws = "wss" if parts.scheme == "https" else "ws"
        connect += [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'" + (" 'unsafe-inline'" if widget else ""),
        "img-src 'self' data:",
        "font-src 'self' data:",
        f"connect-src {' '.join(connect)}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every response (pages, API, static files, errors): no framing, no
    inline script, no MIME sniffing, no full Referer to other sites."""
    policies = request.app[CSP_KEY]
    response.headers.setdefault("Content-Security-Policy",
                                policies["widget" if request.path in WIDGET_PAGES else "default"])
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")


# French messages for the error statuses (aiohttp's own are English).
ERROR_MESSAGES = {
    400: "Requête invalide : vérifiez les informations envoyées.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Page introuvable.",
    405: "Cette méthode n'est pas acceptée à cette adresse.",
    413: "Requête trop volumineuse.",
    429: "Trop de requêtes : réessayez dans quelques minutes.",
    500: "Une erreur inattendue s'est produite. Réessayez dans un instant ; "
         "si cela continue, prévenez l'équipe technique.",
}
# Errors that mean the request itself was bad: a broken body (multipart,
# encoding), a number or date out of range (SQLite's OverflowError, datetime
# overflows, PostgreSQL's "value out of range").
BAD_INPUT = (HttpProcessingError, OverflowError, UnicodeDecodeError, DataError)
ERROR_PAGE = Template("""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Erreur $status</title>
<link rel="stylesheet" href="/static/coach.css"></head>
<body><main><h1>Erreur $status</h1><p>$message</p><p><a href="/">Retour à l'accueil</a></p></main></body></html>
""")


def error_response(request: web.Request, status: int, message: Optional[str] = None,
                   headers: Optional[dict] = None) -> web.Response:
    """JSON ``{"error": ...}`` under /api/, a small French page elsewhere."""
    message = message or ERROR_MESSAGES.get(status) or ERROR_MESSAGES[400 if status < 500 else 500]
    if request.path.startswith("/api/"):
        return web.json_response({"error": message}, status=status, headers=headers)
    return web.Response(text=ERROR_PAGE.substitute(status=status, message=html.escape(message)),
                        status=status, content_type="text/html", charset="utf-8", headers=headers)


def _is_default_text(error: web.HTTPException) -> bool:
    return error.text is None or error.text == f"{error.status}: {error.reason}"


@web.middleware
async def french_errors(request: web.Request, handler):
    """Bad input is a 400, unknown pages a 404, both in French; anything
    unexpected is logged and answered by a French 500 page (no traceback)."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or not _is_default_text(error):
            raise
        kept = {k: v for k, v in error.headers.items() if k.lower() not in ("content-type", "content-length")}
        return error_response(request, error.status, headers=kept)
    except BAD_INPUT as error:
        logger.info("bad input on %s %s: %r", request.method, request.path, error)
        return error_response(request, 400)
    except Exception:  # noqa: BLE001 - the answer stays French and plain
        logger.exception("error on %s %s", request.method, request.path)
        return error_response(request, 500)


PURGE_FIRST_DELAY_S = 60.0


def periodic(name: str, interval: float, work, first_delay: float = 0.0):
    """An aiohttp cleanup context running ``work()`` (blocking, in a thread) every
    ``interval`` seconds; 0 turns it off. Failures are logged and retried."""

    async def context(app: web.Application):
        async def loop():
            await asyncio.sleep(first_delay)
            while True:
                try:
                    await asyncio.get_running_loop().run_in_executor(None, work, app)
                except Exception:  # noqa: BLE001 - try again next time
                    logger.exception("%s failed", name)
                await asyncio.sleep(interval)

        task = asyncio.create_task(loop()) if interval > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context


def send_reminders(app: web.Application) -> None:
    """The reminders due (stored per booking: idempotent, survives restarts)."""
    send_due_reminders(app[auth.DB_KEY])


def pass_offers(app: web.Application) -> None:
    """Waiting-list offers not claimed in time go to the next person."""
    from bot.booking.service import pass_expired_offers

    pass_expired_offers(app[auth.DB_KEY])


def run_purge(app: web.Application) -> None:
    """Retention (bot/privacy/purge.py)."""
    from bot.privacy.purge import purge
    from bot.transcripts import TrackerReader

    reader = TrackerReader()
    try:
        logger.info("retention purge: %s", purge(app[auth.DB_KEY], reader))
    finally:
        reader.dispose()


def create_app(rasa_url: Optional[str] = None, public_url: Optional[str] = None,
               db: Optional[Database] = None, reminder_interval: Optional[float] = None,
               tracker_url: Optional[str] = None) -> web.Application:
    """The web application: widget page, calendar links, JSON API, coach pages."""
    app = web.Application(middlewares=[auth.session_cookies, french_errors])
    app[RASA_URL_KEY] = (rasa_url or default_rasa_url()).rstrip("/")
    app[CSP_KEY] = {"default": content_security_policy(app[RASA_URL_KEY]),
                    "widget": content_security_policy(app[RASA_URL_KEY], widget=True)}
    app.on_response_prepare.append(security_headers)
    app[PUBLIC_URL_KEY] = (public_url or settings.current().public_web_url_setting).strip().rstrip("/")
    db = db or get_database()
    upgrade(db.url)
    auth.setup(app, db)
    if reminder_interval is None:
        reminder_interval = settings.current().reminder_interval_s
    # Reminders every CAE_REMINDER_INTERVAL_S (300 s); retention once a day
    # (CAE_PURGE_INTERVAL_S), first a minute after start. 0 turns either off.
    app.cleanup_ctx.append(periodic("reminder job", reminder_interval, send_reminders))
    # Expired waiting-list offers pass on at the same pace (same switch).
    app.cleanup_ctx.append(periodic("waiting-list offers", reminder_interval, pass_offers))
    app.cleanup_ctx.append(periodic("retention purge", settings.current().purge_interval_s,
                                    run_purge, first_delay=PURGE_FIRST_DELAY_S))
    app.router.add_get("/", index, name="widget_page")
    app.router.add_get("/apercu", preview, name="widget_preview")
    app.router.add_get(PRIVACY_PATH, privacy_page, name="privacy_page")
    app.router.add_get("/health", health)
    app.router.add_get("/favicon.ico", favicon)
    booking_pages.add_routes(app)  # /reunions/<reference>(.ics|/annuler|/changer)?t=<signed token>
    data_export.add_routes(app)  # /mes-donnees/<conversation>.html and .json ?t=<signed token>
    api.add_routes(app)  # /api/sessions, /api/bookings
    curriculum_api.add_routes(app)  # /api/curriculum, /api/people
    dashboard.setup(app, TEMPLATES_DIR, tracker_url)  # /coach/... (dashboard, one module per subject; /coach/cae: CAE profiles)
    overview.add_routes(app)  # /coach/apercu (activity overview), /coach/apercu.csv
    learning.add_routes(app)  # /coach/apprentissage (admins: review, retrain, compare, activate)
    # Registered before the static folder so that it wins over /static/.
    app.router.add_get("/static/vendor/rasa-webchat.js", webchat_bundle)
    app.router.add_static("/static/", STATIC_DIR, name="static")
    return app
