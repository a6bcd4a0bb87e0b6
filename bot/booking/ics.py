"""The calendar invitation (.ics) attached to confirmation e-mails."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from icalendar import Calendar, Event

from bot.booking.links import manage_url
from bot.booking.records import BookingInfo
from bot.storage.models import utcnow

UID_DOMAIN = "cae-assistant"
PRODID = "-//CAE assistant//Reunions d'information//FR"


def summary(cae_name: str) -> str:
    return f"Réunion d'information collective – {cae_name}"


def build_ics(booking: BookingInfo, cancelled: bool = False,
              now: Optional[datetime] = None) -> bytes:
    """One VEVENT, UID ``<reference>@cae-assistant``, times in UTC.

    The UID stays the same when the date changes (same reference) and SEQUENCE
    is the booking's change counter, so calendars update the entry instead of
    adding a second one. ``cancelled=True`` gives the METHOD:CANCEL version that
    removes the event from calendars which imported it.

    Only what the person needs: title, place or video link, times, reference and
    the link to their booking page. No name, e-mail, phone, ORGANIZER or ATTENDEE.
    """
    session = booking.session
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")

    event = Event()
    event.add("uid", f"{booking.reference}@{UID_DOMAIN}")
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", summary(session.cae_name))
    if session.is_video:
        event.add("location", session.video_url or "Visioconférence")
        if session.video_url:
            event.add("url", session.video_url)
    else:
        location = ", ".join(
            p for p in (session.place_name, session.address,
                        " ".join(x for x in (session.postal_code, session.city) if x)) if p
        )
        event.add("location", location)
    description = f"Votre référence : {booking.reference}"
    if not cancelled:
        description += ("\nPour annuler ou changer de date : "
                        f"{manage_url(booking.reference)}")
    event.add("description", description)
    event.add("sequence", booking.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(booking: BookingInfo) -> str:
    return f"reunion-information-{booking.reference}.ics"
