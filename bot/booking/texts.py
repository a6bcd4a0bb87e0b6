"""French wording: dates in Paris time, e-mail subjects and bodies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, List, Tuple
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime, format_time

if TYPE_CHECKING:  # pragma: no cover
    from bot.booking.service import BookingInfo, SessionInfo

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"


def _hour(value: datetime) -> str:
    """``14 h 30``, ``9 h`` (French typography), by Babel."""
    return format_time(value, "H 'h' mm" if value.minute else "H 'h'", locale=LOCALE)


def format_date(value: datetime) -> str:
    """``mardi 3 décembre 2024`` (``1er`` for the first of the month), in Paris time, by Babel."""
    local = value.astimezone(PARIS)
    text = babel_format_date(local, "EEEE d MMMM y", locale=LOCALE)
    return text.replace(" 1 ", " 1er ", 1) if local.day == 1 else text


def format_short(value: datetime) -> str:
    """``mar. 3 déc. 14 h`` (buttons), in Paris time."""
    local = value.astimezone(PARIS)
    return f"{babel_format_date(local, 'EEE d MMM', locale=LOCALE)} {_hour(local)}"


def format_numeric(value: datetime, with_time: bool = True) -> str:
    """``03/12/2024 14:30`` (tables, exports), in Paris time."""
    local = value.astimezone(PARIS)
    return format_datetime(local, "dd/MM/y HH:mm" if with_time else "dd/MM/y", locale=LOCALE)


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


@dataclass
class Mail:
    """One e-mail's content; ``bot/booking/templates/mail.{txt,html}`` render it."""

    subject: str
    greeting: str
    paragraphs: List[str]
    details: List[Tuple[str, str]] = field(default_factory=list)  # (label, value)
    actions: List[Tuple[str, str]] = field(default_factory=list)  # (label, url)
    closing: List[str] = field(default_factory=list)
    cae_name: str = ""


SIGNATURE = "L'assistant des Coopératives d'Activité et d'Emploi"


def _details(booking: "BookingInfo") -> List[Tuple[str, str]]:
    s = booking.session
    return [("Quand", format_when(s.starts_at, s.ends_at)), ("Où", format_where(s)),
            ("Votre référence", booking.reference)]


def _actions(booking: "BookingInfo", calendar: bool = True) -> List[Tuple[str, str]]:
    from bot.booking.links import booking_links

    links = booking_links(booking.reference)
    actions = [("Annuler", links["cancel"]), ("Changer de date", links["change"])]
    if calendar:
        actions.append(("Ajouter à mon agenda", links["ics"]))
    return actions


def confirmation(booking: "BookingInfo") -> Mail:
    s = booking.session
    if booking.status == "waitlisted":
        return Mail(
            subject=f"Liste d'attente – réunion d'information {s.cae_name}",
            greeting=greeting(booking.first_name),
            paragraphs=[
                f"La réunion d'information de {s.cae_name} du "
                f"{format_when(s.starts_at, s.ends_at)} est complète : vous êtes sur la "
                f"liste d'attente (position {booking.waitlist_rank}).",
                "Nous vous écrirons dès qu'une place se libère.",
            ],
            details=[("Votre référence", booking.reference)],
            actions=_actions(booking, calendar=False),
            cae_name=s.cae_name,
        )
    return Mail(
        subject=f"Inscription confirmée – réunion d'information {s.cae_name}",
        greeting=greeting(booking.first_name),
        paragraphs=[f"Votre inscription à la réunion d'information collective de "
                    f"{s.cae_name} est confirmée."],
        details=_details(booking),
        actions=_actions(booking),
        closing=["L'invitation pour votre agenda est aussi en pièce jointe."],
        cae_name=s.cae_name,
    )


def format_moment(value: datetime) -> str:
    """``mardi 3 décembre 2024 à 14 h 30`` (Paris time)."""
    return f"{format_date(value)} à {_hour(value.astimezone(PARIS))}"


def promotion(booking: "BookingInfo") -> Mail:
    """A seat freed: offered to the next person on the waiting list, held until
    ``offer_expires_at``; they take it or decline with one click."""
    from bot.booking.links import booking_links

    s = booking.session
    links = booking_links(booking.reference)
    deadline = format_moment(booking.offer_expires_at) if booking.offer_expires_at else None
    return Mail(
        subject=f"Une place s'est libérée pour vous – réunion d'information {s.cae_name}",
        greeting=greeting(booking.first_name),
        paragraphs=[
            "Bonne nouvelle : une place s'est libérée à la réunion d'information collective "
            f"de {s.cae_name} et nous vous la gardons"
            + (f" jusqu'au {deadline}." if deadline else "."),
            "Pouvez-vous toujours venir ? Confirmez d'un clic ; sinon, dites-le-nous pour que "
            "la place aille à la personne suivante.",
        ],
        details=_details(booking),
        actions=[("Je prends la place", links["claim"]),
                 ("Je ne peux plus venir", links["cancel"])],
        closing=["Sans réponse à temps, la place sera proposée à la personne suivante ; "
                 "vous resterez sur la liste d'attente."],
        cae_name=s.cae_name,
    )


def cancellation(booking: "BookingInfo") -> Mail:
    s = booking.session
    return Mail(
        subject=f"Réservation annulée – réunion d'information {s.cae_name}",
        greeting=greeting(booking.first_name),
        paragraphs=[f"Votre réservation {booking.reference} pour la réunion d'information "
                    f"du {format_when(s.starts_at, s.ends_at)} est bien annulée.",
                    "Vous pouvez vous réinscrire à une autre date quand vous le souhaitez, "
                    "auprès de l'assistant."],
        closing=["La pièce jointe retire la réunion de votre agenda si vous l'y aviez ajoutée."],
        cae_name=s.cae_name,
    )


def erased(booking: "BookingInfo") -> Mail:
    s = booking.session
    return Mail(
        subject=f"Réservation annulée – réunion d'information {s.cae_name}",
        greeting="Bonjour,",
        paragraphs=["À votre demande, vos données ont été effacées. Votre réservation "
                    f"{booking.reference} pour la réunion d'information du "
                    f"{format_when(s.starts_at, s.ends_at)} est donc annulée.",
                    "Ce message est le dernier : votre adresse n'est plus enregistrée."],
        closing=["La pièce jointe retire la réunion de votre agenda si vous l'y aviez ajoutée."],
        cae_name=s.cae_name,
    )


def date_changed(booking: "BookingInfo") -> Mail:
    mail = confirmation(booking)
    mail.subject = "Changement de date – " + mail.subject
    return mail


def reminder(booking: "BookingInfo") -> Mail:
    s = booking.session
    return Mail(
        subject=f"Rappel : réunion d'information {s.cae_name} le {format_date(s.starts_at)}",
        greeting=greeting(booking.first_name),
        paragraphs=["Petit rappel : vous êtes inscrit(e) à la réunion d'information "
                    f"collective de {s.cae_name}."],
        details=_details(booking),
        actions=_actions(booking),
        closing=["Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."],
        cae_name=s.cae_name,
    )


def reminder_today(booking: "BookingInfo") -> Mail:
    """The day of a video session: the link, and how to leave the seat."""
    s = booking.session
    local_start = s.starts_at.astimezone(PARIS)
    actions = [("Rejoindre la visio", s.video_url)] if s.video_url else []
    return Mail(
        subject=f"Aujourd'hui à {_hour(local_start)} : réunion d'information {s.cae_name} en visio",
        greeting=greeting(booking.first_name),
        paragraphs=["C'est aujourd'hui : la réunion d'information collective de "
                    f"{s.cae_name} commence à {_hour(local_start)}, en visioconférence."]
        + ([f"Le lien pour la rejoindre : {s.video_url}"] if s.video_url else
           ["Le lien de connexion vous sera donné par l'équipe de la CAE."]),
        details=_details(booking),
        actions=actions + _actions(booking, calendar=False),
        closing=["Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."],
        cae_name=s.cae_name,
    )
