"""French wording: dates in Paris time, e-mail subjects and bodies."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # pragma: no cover
    from bot.booking.service import BookingInfo, SessionInfo

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def _hour(value: datetime) -> str:
    return f"{value.hour} h {value.minute:02d}" if value.minute else f"{value.hour} h"


def format_date(value: datetime) -> str:
    """``mardi 3 décembre 2024``, in Paris time."""
    local = value.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"


def format_when(starts_at: datetime, ends_at: datetime) -> str:
    """``mardi 3 décembre 2024 de 14 h à 16 h 30`` (Paris time)."""
    start, end = starts_at.astimezone(PARIS), ends_at.astimezone(PARIS)
    return f"{format_date(starts_at)} de {_hour(start)} à {_hour(end)}"


def format_where(session: "SessionInfo") -> str:
    if session.is_video:
        return f"en visioconférence ({session.video_url})" if session.video_url else \
            "en visioconférence"
    parts = [p for p in (session.place_name, session.address,
                         " ".join(x for x in (session.postal_code, session.city) if x)) if p]
    return ", ".join(parts)


def greeting(first_name: str) -> str:
    return f"Bonjour {first_name}," if first_name else "Bonjour,"


FOOTER = (
    "\n\nPour annuler ou changer de date, écrivez simplement à l'assistant "
    "avec votre référence et votre adresse e-mail.\n\n"
    "À bientôt,\nL'assistant des Coopératives d'Activité et d'Emploi"
)


def confirmation(booking: "BookingInfo") -> tuple:
    s = booking.session
    if booking.status == "waitlisted":
        subject = f"Liste d'attente – réunion d'information {s.cae_name}"
        body = (
            f"{greeting(booking.first_name)}\n\n"
            f"La réunion d'information de {s.cae_name} du {format_when(s.starts_at, s.ends_at)} "
            f"est complète : vous êtes sur la liste d'attente "
            f"(position {booking.waitlist_rank}).\n"
            "Nous vous écrirons dès qu'une place se libère.\n\n"
            f"Votre référence : {booking.reference}"
        )
    else:
        subject = f"Inscription confirmée – réunion d'information {s.cae_name}"
        body = (
            f"{greeting(booking.first_name)}\n\n"
            f"Votre inscription à la réunion d'information collective de {s.cae_name} "
            "est confirmée.\n\n"
            f"Quand : {format_when(s.starts_at, s.ends_at)}\n"
            f"Où : {format_where(s)}\n"
            f"Votre référence : {booking.reference}\n\n"
            "Vous trouverez l'invitation pour votre agenda en pièce jointe."
        )
    return subject, body + FOOTER


def promotion(booking: "BookingInfo") -> tuple:
    s = booking.session
    subject = f"Une place s'est libérée – réunion d'information {s.cae_name}"
    body = (
        f"{greeting(booking.first_name)}\n\n"
        "Bonne nouvelle : une place s'est libérée, votre inscription à la réunion "
        f"d'information collective de {s.cae_name} est confirmée.\n\n"
        f"Quand : {format_when(s.starts_at, s.ends_at)}\n"
        f"Où : {format_where(s)}\n"
        f"Votre référence : {booking.reference}\n\n"
        "Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."
    )
    return subject, body + FOOTER


def cancellation(booking: "BookingInfo") -> tuple:
    s = booking.session
    subject = f"Réservation annulée – réunion d'information {s.cae_name}"
    body = (
        f"{greeting(booking.first_name)}\n\n"
        f"Votre réservation {booking.reference} pour la réunion d'information du "
        f"{format_when(s.starts_at, s.ends_at)} est bien annulée.\n"
        "Vous pouvez vous réinscrire à une autre date quand vous le souhaitez."
    )
    return subject, body + FOOTER


def date_changed(booking: "BookingInfo") -> tuple:
    subject, body = confirmation(booking)
    return "Changement de date – " + subject, body


def reminder(booking: "BookingInfo") -> tuple:
    s = booking.session
    subject = f"Rappel : réunion d'information {s.cae_name} le {format_date(s.starts_at)}"
    body = (
        f"{greeting(booking.first_name)}\n\n"
        "Petit rappel : vous êtes inscrit(e) à la réunion d'information collective "
        f"de {s.cae_name}.\n\n"
        f"Quand : {format_when(s.starts_at, s.ends_at)}\n"
        f"Où : {format_where(s)}\n"
        f"Votre référence : {booking.reference}\n\n"
        "Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."
    )
    return subject, body + FOOTER
