"""French dates in Paris time: ``mardi 3 décembre 2024 de 14 h à 16 h 30``,
formatted by Babel (locale ``fr_FR``).

Used by the booking records and texts, the chat, the booking pages and the
dashboard; the times are stored in UTC and shown in Paris time.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime, format_time, get_day_names

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"
# "lundi" … "dimanche", Monday first as ``date.weekday()``.
WEEKDAY_NAMES = tuple(get_day_names("wide", locale=LOCALE)[i] for i in range(7))


def format_hour(value: datetime) -> str:
    """``14 h 30``, ``9 h`` (French typography) of ``value`` as given (no time zone change)."""
    return format_time(value, "H 'h' mm" if value.minute else "H 'h'", locale=LOCALE)


def format_day(day: date, pattern: str = "EEEE d MMMM y") -> str:
    """A calendar day in French, Babel's ``pattern``: ``mardi 3 décembre 2024``,
    ``1er août 2026`` (``1er`` for the first of the month)."""
    text = babel_format_date(day, pattern, locale=LOCALE)
    return re.sub(r"(?<!\d)1(?!\d)", "1er", text, count=1) if day.day == 1 else text


def format_date(value: datetime) -> str:
    """``mardi 3 décembre 2024`` (``1er`` for the first of the month), in Paris time."""
    return format_day(value.astimezone(PARIS).date())


def format_short(value: datetime) -> str:
    """``mar. 3 déc. 14 h`` (buttons), in Paris time."""
    local = value.astimezone(PARIS)
    return f"{babel_format_date(local, 'EEE d MMM', locale=LOCALE)} {format_hour(local)}"


def format_numeric(value: datetime, with_time: bool = True) -> str:
    """``03/12/2024 14:30`` (tables, exports), in Paris time."""
    local = value.astimezone(PARIS)
    return format_datetime(local, "dd/MM/y HH:mm" if with_time else "dd/MM/y", locale=LOCALE)


def format_when(starts_at: datetime, ends_at: datetime) -> str:
    """``mardi 3 décembre 2024 de 14 h à 16 h 30`` (Paris time)."""
    start, end = starts_at.astimezone(PARIS), ends_at.astimezone(PARIS)
    return f"{format_date(starts_at)} de {format_hour(start)} à {format_hour(end)}"


def format_moment(value: datetime) -> str:
    """``mardi 3 décembre 2024 à 14 h 30`` (Paris time)."""
    return f"{format_date(value)} à {format_hour(value.astimezone(PARIS))}"
