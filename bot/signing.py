"""HMACs and signed links, with one key (``CAE_LINK_SECRET`` or ``var/link_secret``).

A link that opens something without a login carries a token: an HMAC of what
it opens and what for (``purpose:subject``), so that nobody reaches another
person's booking or data by guessing, and a token made for one purpose opens
nothing else. The booking links (bot/booking/links.py), the data-export link
(bot/privacy/links.py) and the stored hashes of identity codes
(bot/identity.py) all sign here.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional

from bot import settings

TOKEN_LENGTH = 32  # hex characters of a link token (128 bits)


def _key() -> bytes:
    return settings.secret("link_secret").encode()


def digest(message: str) -> str:
    """The full HMAC-SHA256 of ``message`` (64 hex characters): stored hashes."""
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def sign(message: str) -> str:
    """A link token for ``message`` (``purpose:subject``): 32 hex characters."""
    return digest(message)[:TOKEN_LENGTH]


def check(token: Optional[str], expected: str) -> bool:
    """True when ``token`` is ``expected``, compared in constant time."""
    return bool(token) and hmac.compare_digest(str(token), expected)


def url(base_url: Optional[str], path: str, token: str) -> str:
    """``<base><path>?t=<token>``; the base defaults to ``CAE_PUBLIC_WEB_URL``."""
    return f"{(base_url or settings.public_web_url()).rstrip('/')}{path}?t={token}"
