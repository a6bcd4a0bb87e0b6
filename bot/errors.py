"""The one base class for errors a person may read.

``UserError`` carries ``message_fr``, a short French sentence that the chat,
the booking pages or the dashboard show as it is, and ``code`` for the code.
Feature errors derive from it (``BookingError``, ``IdentityError``,
``ProgressError``, ``CalculatorError``...), so an adapter can catch every
"tell the person" case at once without knowing the feature.
"""
from __future__ import annotations

from typing import Optional


class UserError(Exception):
    """An error whose ``message_fr`` is meant for the person, ``code`` for the code."""

    code = "user_error"
    message_fr = "Désolé, je n'ai pas pu traiter votre demande. Pouvez-vous réessayer ?"

    def __init__(self, message_fr: Optional[str] = None, **details) -> None:
        if message_fr is not None:
            self.message_fr = message_fr
        self.details = details
        super().__init__(self.message_fr)
