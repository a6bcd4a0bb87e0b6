"""French wording of the booking e-mails: subjects and bodies (dates: bot/dates.py)."""
from __future__ import annotations

from typing import List, Sequence, Tuple

from bot.booking.links import booking_links
from bot.booking.records import BookingInfo, SessionInfo
from bot.cae_names import of_cae, the_cae
from bot.dates import PARIS, format_date, format_hour, format_moment, format_when  # noqa: F401  (re-exported)
from bot.mail import Mail


def format_where(session: SessionInfo) -> str:
    if session.is_video:
        return f"en visioconférence ({session.video_url})" if session.video_url else \
            "en visioconférence"
    parts = [p for p in (session.place_name, session.address,
                         " ".join(x for x in (session.postal_code, session.city) if x)) if p]
    return ", ".join(parts)


def greeting(first_name: str) -> str:
    return f"Bonjour {first_name}," if first_name else "Bonjour,"



def _details(booking: BookingInfo) -> List[Tuple[str, str]]:
    s = booking.session
    return [("Quand", format_when(s.starts_at, s.ends_at)), ("Où", format_where(s)),
            ("Votre référence", booking.reference)]


def _actions(booking: BookingInfo, calendar: bool = True) -> List[Tuple[str, str]]:
    links = booking_links(booking.reference)
    actions = [("Annuler", links["cancel"]), ("Changer de date", links["change"])]
    if calendar:
        actions.append(("Ajouter à mon agenda", links["ics"]))
    return actions


def confirmation(booking: BookingInfo) -> Mail:
    s = booking.session
    if booking.status == "waitlisted":
        return Mail(
            subject=f"Liste d'attente – réunion d'information {s.cae_name}",
            greeting=greeting(booking.first_name),
            paragraphs=[
                f"La réunion d'information {of_cae(s.cae_name)} du "
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
                    f"{of_cae(s.cae_name)} est confirmée."],
        details=_details(booking),
        actions=_actions(booking),
        closing=["L'invitation pour votre agenda est aussi en pièce jointe."],
        cae_name=s.cae_name,
    )


def promotion(booking: BookingInfo) -> Mail:
    """A seat freed: offered to the next person on the waiting list, held until
    ``offer_expires_at``; they take it or decline with one click."""
    s = booking.session
    links = booking_links(booking.reference)
    deadline = format_moment(booking.offer_expires_at) if booking.offer_expires_at else None
    return Mail(
        subject=f"Une place s'est libérée pour vous – réunion d'information {s.cae_name}",
        greeting=greeting(booking.first_name),
        paragraphs=[
            "Bonne nouvelle : une place s'est libérée à la réunion d'information collective "
            f"{of_cae(s.cae_name)} et nous vous la gardons"
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


def cancellation(booking: BookingInfo) -> Mail:
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


def erased(booking: BookingInfo) -> Mail:
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


def date_changed(booking: BookingInfo) -> Mail:
    mail = confirmation(booking)
    mail.subject = "Changement de date – " + mail.subject
    return mail


def reminder(booking: BookingInfo) -> Mail:
    s = booking.session
    return Mail(
        subject=f"Rappel : réunion d'information {s.cae_name} le {format_date(s.starts_at)}",
        greeting=greeting(booking.first_name),
        paragraphs=["Petit rappel : vous êtes inscrit(e) à la réunion d'information "
                    f"collective {of_cae(s.cae_name)}."],
        details=_details(booking),
        actions=_actions(booking),
        closing=["Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."],
        cae_name=s.cae_name,
    )


def reminder_today(booking: BookingInfo) -> Mail:
    """The day of a video session: the link, and how to leave the seat."""
    s = booking.session
    local_start = s.starts_at.astimezone(PARIS)
    actions = [("Rejoindre la visio", s.video_url)] if s.video_url else []
    return Mail(
        subject=f"Aujourd'hui à {format_hour(local_start)} : réunion d'information {s.cae_name} en visio",
        greeting=greeting(booking.first_name),
        paragraphs=["C'est aujourd'hui : la réunion d'information collective "
                    f"{of_cae(s.cae_name)} commence à {format_hour(local_start)}, en visioconférence."]
        + ([f"Le lien pour la rejoindre : {s.video_url}"] if s.video_url else
           ["Le lien de connexion vous sera donné par l'équipe de la CAE."]),
        details=_details(booking),
        actions=actions + _actions(booking, calendar=False),
        closing=["Si vous ne pouvez plus venir, merci d'annuler pour libérer la place."],
        cae_name=s.cae_name,
    )


def session_cancelled(booking: BookingInfo, reason: str = "",
                      next_sessions: Sequence[SessionInfo] = ()) -> Mail:
    """The CAE cancelled the whole session (not the person): an apology, who
    cancelled and why (if said), and the next dates to book again."""
    s = booking.session
    paragraphs = [
        f"Nous sommes désolés : {the_cae(s.cae_name, capital=False)} a dû annuler la réunion d'information "
        f"collective du {format_when(s.starts_at, s.ends_at)}. Votre réservation "
        f"{booking.reference} est donc annulée ; vous n'avez rien à faire.",
    ]
    if reason:
        paragraphs.append(f"Motif : {reason}")
    if next_sessions:
        paragraphs.append("Vous pouvez vous inscrire à l'une des prochaines dates, "
                          "auprès de l'assistant :")
        details = [(format_when(n.starts_at, n.ends_at), format_where(n)) for n in next_sessions]
    else:
        paragraphs.append("Aucune autre date n'est encore fixée ; l'assistant vous proposera "
                          "les prochaines dès qu'elles seront ouvertes.")
        details = []
    return Mail(
        subject=f"Réunion d'information du {format_date(s.starts_at)} annulée – {s.cae_name}",
        greeting=greeting(booking.first_name),
        paragraphs=paragraphs,
        details=details,
        closing=["La pièce jointe retire la réunion de votre agenda si vous l'y aviez ajoutée.",
                 "Toutes nos excuses pour ce contretemps."],
        cae_name=s.cae_name,
    )
