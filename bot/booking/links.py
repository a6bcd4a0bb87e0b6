"""Links to a booking's calendar file (.ics) that only its owner can open.

The link carries the booking reference and an HMAC of it (key in
``CAE_LINK_SECRET`` or generated once into ``var/link_secret``), so nobody can
fetch another person's booking by guessing references. The web app serves it
with ``ics_download``.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Optional

from aiohttp import web

from bot import settings
from bot.booking import errors
from bot.booking.ics import build_ics, ics_filename
from bot.storage.db import Database, get_database

ICS_PATH = "/reunions/{reference}.ics"


def _secret() -> bytes:
    configured = os.environ.get("CAE_LINK_SECRET", "").strip()
    if configured:
        return configured.encode()
    path = Path(settings.VAR_DIR) / "link_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def link_token(reference: str) -> str:
    return hmac.new(_secret(), reference.encode(), hashlib.sha256).hexdigest()[:32]


def public_web_url() -> str:
    configured = os.environ.get("CAE_PUBLIC_WEB_URL", "").strip().rstrip("/")
    if configured:
        return configured
    host = "127.0.0.1" if settings.HOST in ("0.0.0.0", "::") else settings.HOST
    return f"http://{host}:{os.environ.get('CAE_WEB_PORT', '8000')}"


def ics_url(reference: str, base_url: Optional[str] = None) -> str:
    path = ICS_PATH.format(reference=reference)
    return f"{(base_url or public_web_url()).rstrip('/')}{path}?t={link_token(reference)}"


def ics_for(db: Database, reference: str, token: str) -> tuple[str, bytes]:
    """(file name, .ics bytes) for a valid link; BookingNotFound otherwise."""
    from bot.booking.service import booking_by_reference

    if not token or not hmac.compare_digest(token, link_token(reference)):
        raise errors.BookingNotFound()
    booking = booking_by_reference(db, reference)
    return ics_filename(booking), build_ics(booking, cancelled=booking.status == "cancelled")


DB_KEY = web.AppKey("booking_db", Database)


async def ics_download(request: web.Request) -> web.Response:
    db = request.app.get(DB_KEY) or get_database()
    try:
        name, body = ics_for(db, request.match_info["reference"], request.query.get("t", ""))
    except errors.BookingError:
        return web.Response(status=404, text="Lien inconnu ou expiré.", content_type="text/plain")
    return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(ICS_PATH, ics_download, name="booking_ics")
