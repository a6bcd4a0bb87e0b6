"""French dates in Paris time: ``mardi 3 décembre 2024 de 14 h à 16 h 30``.

Used by the booking records and texts, the chat, the booking pages and the
dashboard; the times are stored in UTC and shown in Paris time.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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


def format_moment(value: datetime) -> str:
    """``mardi 3 décembre 2024 à 14 h 30`` (Paris time)."""
    return f"{format_date(value)} à {_hour(value.astimezone(PARIS))}"
