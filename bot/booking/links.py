"""Signed links to a booking that only its owner can open (no login).

Each link carries the booking reference and an HMAC of ``purpose:reference``
(key in ``CAE_LINK_SECRET`` or generated once into ``var/link_secret``), so
nobody can reach another person's booking by guessing references, and a token
made for one purpose (the calendar file) opens nothing else:

* ``/reunions/<ref>.ics?t=…``  the calendar file (``link_token``, unchanged);
* ``/reunions/<ref>?t=…``      the booking page: add to calendar, cancel, change
  date, take a seat offered from the waiting list (``manage_token``, also for
  ``/annuler``, ``/changer``, ``/place``). The token is the capability: the web pages
  (``bot/web/booking_pages.py``) never change anything on GET, and their forms
  POST the token back, so no cookie or CSRF token is involved.

A cancelled or past booking keeps its links; the pages say what happened.
This module imports no web framework.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Optional

from bot import settings
from bot.booking import errors
from bot.booking.ics import build_ics, ics_filename

ICS_PATH = "/reunions/{reference}.ics"
MANAGE_PATH = "/reunions/{reference}"
CANCEL_PATH = "/reunions/{reference}/annuler"
CHANGE_PATH = "/reunions/{reference}/changer"
CLAIM_PATH = "/reunions/{reference}/place"


def link_secret() -> bytes:
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


def _sign(message: str) -> str:
    return hmac.new(link_secret(), message.encode(), hashlib.sha256).hexdigest()[:32]


def link_token(reference: str) -> str:
    """The calendar-file token (kept as it was: links already sent stay valid)."""
    return _sign(reference)


def manage_token(reference: str) -> str:
    return _sign(f"manage:{reference}")


def check(token: Optional[str], expected: str) -> bool:
    return bool(token) and hmac.compare_digest(str(token), expected)


def public_web_url() -> str:
    configured = os.environ.get("CAE_PUBLIC_WEB_URL", "").strip().rstrip("/")
    if configured:
        return configured
    host = "127.0.0.1" if settings.HOST in ("0.0.0.0", "::") else settings.HOST
    return f"http://{host}:{os.environ.get('CAE_WEB_PORT', '8000')}"


def _url(path: str, token: str, base_url: Optional[str]) -> str:
    return f"{(base_url or public_web_url()).rstrip('/')}{path}?t={token}"


def ics_url(reference: str, base_url: Optional[str] = None) -> str:
    return _url(ICS_PATH.format(reference=reference), link_token(reference), base_url)


def manage_url(reference: str, base_url: Optional[str] = None) -> str:
    return _url(MANAGE_PATH.format(reference=reference), manage_token(reference), base_url)


def cancel_url(reference: str, base_url: Optional[str] = None) -> str:
    return _url(CANCEL_PATH.format(reference=reference), manage_token(reference), base_url)


def change_url(reference: str, base_url: Optional[str] = None) -> str:
    return _url(CHANGE_PATH.format(reference=reference), manage_token(reference), base_url)


def claim_url(reference: str, base_url: Optional[str] = None) -> str:
    return _url(CLAIM_PATH.format(reference=reference), manage_token(reference), base_url)


def booking_links(reference: str, base_url: Optional[str] = None) -> dict:
    """The links an e-mail or a chat message offers for this booking."""
    return {"manage": manage_url(reference, base_url), "cancel": cancel_url(reference, base_url),
            "change": change_url(reference, base_url), "ics": ics_url(reference, base_url),
            "claim": claim_url(reference, base_url)}


def ics_for(db, reference: str, token: str) -> tuple[str, bytes]:
    """(file name, .ics bytes) for a valid link; BookingNotFound otherwise."""
    from bot.booking.service import booking_by_reference

    if not check(token, link_token(reference)):
        raise errors.BookingNotFound()
    booking = booking_by_reference(db, reference)
    return ics_filename(booking), build_ics(booking, cancelled=booking.status == "cancelled")
