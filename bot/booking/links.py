"""Signed links to a booking that only its owner can open (no login).

Each link carries the booking reference and an HMAC of ``purpose:reference``
(bot/signing.py), so nobody can reach another person's booking by guessing references, and a token
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

from typing import Optional

from bot import signing

ICS_PATH = "/reunions/{reference}.ics"
MANAGE_PATH = "/reunions/{reference}"
CANCEL_PATH = "/reunions/{reference}/annuler"
CHANGE_PATH = "/reunions/{reference}/changer"
CLAIM_PATH = "/reunions/{reference}/place"


def link_token(reference: str) -> str:
    """The calendar-file token (kept as it was: links already sent stay valid)."""
    return signing.sign(reference)


def manage_token(reference: str) -> str:
    return signing.sign(f"manage:{reference}")


check = signing.check


def _url(path: str, token: str, base_url: Optional[str]) -> str:
    return signing.url(base_url, path, token)


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
