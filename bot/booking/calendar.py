"""The calendar file a signed link opens (``/reunions/<ref>.ics?t=…``).

Above the service: it checks the link (links.py), loads the booking
(service.py) and builds the file (ics.py). The web page that serves it is
bot/web/booking_pages.py.
"""
from __future__ import annotations

from bot.booking import errors
from bot.booking.ics import build_ics, ics_filename
from bot.booking.links import check, link_token
from bot.booking.service import booking_by_reference


def ics_for(db, reference: str, token: str) -> tuple[str, bytes]:
    """(file name, .ics bytes) for a valid link; BookingNotFound otherwise."""
    if not check(token, link_token(reference)):
        raise errors.BookingNotFound()
    booking = booking_by_reference(db, reference)
    return ics_filename(booking), build_ics(booking, cancelled=booking.status == "cancelled")
