"""The calendar invitation (.ics) attached to confirmation e-mails."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from icalendar import Calendar, Event

from bot.storage.models import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from bot.booking.service import BookingInfo

UID_DOMAIN = "cae-assistant"
PRODID = "-//CAE assistant//Reunions d'information//FR"


def summary(cae_name: str) -> str:
    return f"Réunion d'information collective – {cae_name}"


def build_ics(booking: "BookingInfo", cancelled: bool = False,
              now: Optional[datetime] = None) -> bytes:
    """One VEVENT, UID ``<reference>@cae-assistant``, times in UTC.

    ``cancelled=True`` gives the METHOD:CANCEL version that removes the event
    from calendars which imported it.
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
    event.add(
        "description",
        f"Votre référence : {booking.reference}\n"
        "Pour annuler ou changer de date, écrivez à l'assistant avec cette référence "
        "et votre adresse e-mail.",
    )
    event.add("sequence", booking.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(booking: "BookingInfo") -> str:
    return f"reunion-information-{booking.reference}.ics"
