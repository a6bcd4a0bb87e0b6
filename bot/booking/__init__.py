"""Information-session booking (plain Python, no Rasa).

    from bot.booking import book, upcoming_sessions, BookingError
    from bot.storage.db import get_database, upgrade
"""
from bot.booking.errors import BookingError
from bot.booking.records import BookingInfo, CancelResult, ChangeResult, SessionInfo
from bot.booking.service import (
    book,
    cancel,
    change_date,
    erase_person,
    export_person,
    find_booking,
    get_session,
    upcoming_sessions,
)

__all__ = [
    "BookingError", "BookingInfo", "CancelResult", "ChangeResult", "SessionInfo",
    "book", "cancel", "change_date", "erase_person", "export_person", "find_booking",
    "get_session", "upcoming_sessions",
]
