"""Booking errors, each with a short French message the chat can show as is."""
from __future__ import annotations

from bot.errors import UserError


class BookingError(UserError):
    """Base class; ``message_fr`` is meant for the user, ``code`` for the code."""

    code = "booking_error"


class SessionNotFound(BookingError):
    code = "session_not_found"
    message_fr = ("Je ne trouve pas cette réunion d'information. "
                  "Pouvez-vous en choisir une dans la liste ?")


class SessionPast(BookingError):
    code = "session_past"
    message_fr = ("Cette réunion d'information a déjà eu lieu. "
                  "Voulez-vous choisir une autre date ?")


class SessionCancelled(BookingError):
    code = "session_cancelled"
    message_fr = ("Cette réunion d'information a été annulée. "
                  "Voulez-vous choisir une autre date ?")


class SessionClosed(BookingError):
    code = "session_closed"
    message_fr = ("Les inscriptions à cette réunion d'information sont closes. "
                  "Voulez-vous choisir une autre date ?")


class SessionFull(BookingError):
    code = "session_full"
    message_fr = ("Désolé, la dernière place vient d'être prise. Voulez-vous vous inscrire "
                  "sur la liste d'attente ou choisir une autre date ?")


class AlreadyBooked(BookingError):
    code = "already_booked"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"Vous avez déjà une réservation pour cette réunion (référence {reference}).",
            reference=reference,
        )


class InvalidEmail(BookingError):
    code = "invalid_email"
    message_fr = "Cette adresse e-mail ne semble pas valide. Pouvez-vous la vérifier ?"


class MissingField(BookingError):
    code = "missing_field"

    def __init__(self, field: str) -> None:
        label = {"first_name": "votre prénom", "last_name": "votre nom",
                 "email": "votre adresse e-mail"}.get(field, field)
        super().__init__(f"Il me manque {label} pour vous inscrire.", field=field)


class ConsentRequired(BookingError):
    code = "consent_required"
    message_fr = ("Pour vous inscrire, j'ai besoin de votre accord pour enregistrer vos "
                  "coordonnées. Sans cet accord, je ne garde aucune donnée.")


class BookingNotFound(BookingError):
    code = "booking_not_found"
    message_fr = ("Je ne trouve aucune réservation avec cette référence. "
                  "Elle ressemble à RI-7K3P9Q et figure dans l'e-mail de confirmation.")


class EmailMismatch(BookingError):
    code = "email_mismatch"
    message_fr = ("Cette adresse e-mail ne correspond pas à la réservation. "
                  "Utilisez celle donnée lors de l'inscription.")


class AlreadyCancelled(BookingError):
    code = "already_cancelled"
    message_fr = "Cette réservation est déjà annulée."


class NotChangeable(BookingError):
    code = "not_changeable"
    message_fr = "Cette réservation ne peut plus être modifiée : la réunion a déjà eu lieu."


class SameSession(BookingError):
    code = "same_session"
    message_fr = "Votre réservation est déjà à cette date. Voulez-vous en choisir une autre ?"


class PersonNotFound(BookingError):
    code = "person_not_found"
    message_fr = "Je n'ai aucune donnée enregistrée avec cette adresse e-mail."


class AlreadyRegistered(BookingError):
    code = "already_registered"
    message_fr = "Votre place est déjà confirmée : rien à faire de plus."
