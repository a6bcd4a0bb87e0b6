"""A CAE's opening hours, as data: per weekday a list of ``"09:00-12:30"``
ranges in Paris wall-clock time, optional closed dates (a day or a period,
e.g. a summer closure) and, optionally, the French public holidays.

Pure functions: :func:`is_open` and :func:`next_opening` take the moment as an
argument (aware datetime) so that callers inject their clock and tests cross the
daylight-saving changes without waiting. Times are compared in UTC and read on
the Paris wall clock, so "09:00" is 08:00 UTC in winter and 07:00 UTC in summer.
:func:`describe` and :func:`reply_when` give the French wording.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping, Optional

from dateutil.easter import easter

from bot.dates import PARIS, WEEKDAY_NAMES, format_day, format_hour

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# next_opening looks this far ahead (a closure longer than a year: no promise).
HORIZON_DAYS = 400


class HoursError(ValueError):
    """A bad value; ``field`` is its path in the profile ("opening_hours/weekly/monday/0")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Closure:
    first: date
    last: date
    label: Optional[str] = None


@dataclass(frozen=True)
class OpeningHours:
    # Per weekday (Monday first): (start, end) in minutes after midnight, sorted, not overlapping.
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    closed: tuple[Closure, ...] = ()
    public_holidays_closed: bool = False

    def closed_on(self, day: date) -> bool:
        if self.public_holidays_closed and day in french_public_holidays(day.year):
            return True
        return any(c.first <= day <= c.last for c in self.closed)

    def ranges_on(self, day: date) -> tuple[tuple[int, int], ...]:
        return () if self.closed_on(day) else self.weekly[day.weekday()]


def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France (not Alsace-Moselle's two more)."""
    paques = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return frozenset([date(year, m, d) for m, d in fixed]
                     + [paques + timedelta(days=n) for n in (1, 39, 50)])


# ---------------------------------------------------------------- parsing


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HoursError(field, f"« {value} » n'est pas une date (AAAA-MM-JJ)") from None


def parse_hours(data: Optional[Mapping[str, Any]]) -> Optional[OpeningHours]:
    """The hours of a profile's ``opening_hours`` (already checked by the schema
    for its shape); None when the profile gives none. Raises HoursError for what
    a schema cannot say: a range that ends before it starts, two ranges that
    overlap, an impossible date, a period that ends before it starts."""
    if not data:
        return None
    weekly = []
    for name in WEEKDAYS:
        ranges = []
        for i, text in enumerate((data.get("weekly") or {}).get(name) or ()):
            field = f"opening_hours/weekly/{name}/{i}"
            start, end = (_minutes(part) for part in str(text).split("-"))
            if end <= start:
                raise HoursError(field, f"« {text} » finit avant de commencer")
            ranges.append((start, end, field, text))
        ranges.sort()
        for (_, end, _, before), (start, _, field, text) in zip(ranges, ranges[1:]):
            if start < end:
                raise HoursError(field, f"« {text} » chevauche « {before} »")
        weekly.append(tuple((start, end) for start, end, _, _ in ranges))
    closed = []
    for i, item in enumerate(data.get("closed") or ()):
        field = f"opening_hours/closed/{i}"
        first = _date(item["from"], f"{field}/from")
        last = _date(item.get("to", item["from"]), f"{field}/to")
        if last < first:
            raise HoursError(f"{field}/to", f"le {last.isoformat()} est avant le début ({first.isoformat()})")
        closed.append(Closure(first, last, item.get("label")))
    return OpeningHours(tuple(weekly), tuple(closed), bool(data.get("public_holidays_closed")))


# ---------------------------------------------------------------- the maths


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return value.astimezone(timezone.utc)


def _at(day: date, minutes: int) -> datetime:
    """``day`` at ``minutes`` after midnight, Paris wall clock, in UTC ("24:00": the next midnight)."""
    local = datetime.combine(day + timedelta(days=minutes // 1440),
                             time((minutes % 1440) // 60, minutes % 60), tzinfo=PARIS)
    return local.astimezone(timezone.utc)


def is_open(hours: OpeningHours, at: datetime) -> bool:
    """Whether someone is there at ``at`` (aware)."""
    local = _utc(at).astimezone(PARIS)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in hours.ranges_on(local.date()))


def next_opening(hours: OpeningHours, after: datetime) -> Optional[datetime]:
    """The first moment at or after ``after`` when someone is there (UTC):
    ``after`` itself when open; None when no range opens within HORIZON_DAYS."""
    after = _utc(after)
    if is_open(hours, after):
        return after
    today = after.astimezone(PARIS).date()
    for offset in range(HORIZON_DAYS):
        day = today + timedelta(days=offset)
        for start, _ in hours.ranges_on(day):
            moment = _at(day, start)
            if moment > after:
                return moment
    return None


# ---------------------------------------------------------------- French wording


def _hour(minutes: int) -> str:
    if minutes in (0, 1440):
        return "minuit"
    return format_hour(time(*divmod(minutes, 60)))


def _ranges_text(ranges: tuple[tuple[int, int], ...]) -> str:
    return " et ".join(f"de {_hour(start)} à {_hour(end)}" for start, end in ranges)


def describe(hours: OpeningHours, today: Optional[date] = None) -> str:
    """``du lundi au vendredi de 9 h à 12 h 30 et de 14 h à 17 h 30 ; le samedi
    de 10 h à 12 h ; fermé les jours fériés ; fermé du 3 août 2026 au 23 août
    2026 (congés d'été)``. Closures over before ``today`` are left out."""
    parts = []
    i = 0
    while i < 7:
        ranges = hours.weekly[i]
        j = i
        while j + 1 < 7 and hours.weekly[j + 1] == ranges:
            j += 1
        if ranges:
            if j == i:
                who = f"le {WEEKDAY_NAMES[i]}"
            elif j == i + 1:
                who = f"le {WEEKDAY_NAMES[i]} et le {WEEKDAY_NAMES[j]}"
            else:
                who = f"du {WEEKDAY_NAMES[i]} au {WEEKDAY_NAMES[j]}"
            parts.append(f"{who} {_ranges_text(ranges)}")
        i = j + 1
    if not parts:
        parts.append("pas d'horaires d'ouverture")
    if hours.public_holidays_closed:
        parts.append("fermé les jours fériés")
    for closure in hours.closed:
        if today is not None and closure.last < today:
            continue
        first, last = closure.first, closure.last
        if first == last:
            text = f"fermé le {format_day(first, 'd MMMM y')}"
        elif (first.year, first.month) == (last.year, last.month):
            text = f"fermé du {format_day(first, 'd')} au {format_day(last, 'd MMMM y')}"
        else:
            text = f"fermé du {format_day(first, 'd MMMM y')} au {format_day(last, 'd MMMM y')}"
        parts.append(text + (f" ({closure.label})" if closure.label else ""))
    return " ; ".join(parts)


def reply_when(opening: datetime, now: datetime) -> str:
    """When someone will answer, from ``now``: ``aujourd'hui à partir de 14 h``,
    ``demain à partir de 9 h``, ``lundi à partir de 9 h`` (within the week),
    ``lundi 24 août à partir de 9 h`` (later)."""
    local, today = _utc(opening).astimezone(PARIS), _utc(now).astimezone(PARIS).date()
    hour = _hour(local.hour * 60 + local.minute)
    days = (local.date() - today).days
    if days <= 0:
        day = "aujourd'hui"
    elif days == 1:
        day = "demain"
    elif days < 7:
        day = WEEKDAY_NAMES[local.weekday()]
    else:
        day = format_day(local.date(), "EEEE d MMMM" if local.year == today.year else "EEEE d MMMM y")
    return f"{day} à partir de {hour}"


@dataclass(frozen=True)
class Availability:
    """What the chat may say about when a person will answer."""

    known: bool  # the CAE's hours are known (not network mode, not a profile without hours)
    open: bool = False
    reply_when: Optional[str] = None  # "lundi à partir de 9 h"; None: no opening ahead
    opening: Optional[datetime] = None  # that moment, UTC

    @property
    def timing(self) -> str:
        """What the chat may promise about the reply: "open" (someone is there),
        "later" (closed, reopening known: ``reply_when``), "unsure" (closed, no
        reopening ahead) or "unknown" (no hours known)."""
        if not self.known:
            return "unknown"
        if self.open:
            return "open"
        return "later" if self.reply_when else "unsure"


def availability(hours: Optional[OpeningHours], now: datetime) -> Availability:
    if hours is None:
        return Availability(known=False)
    if is_open(hours, now):
        return Availability(known=True, open=True)
    opening = next_opening(hours, now)
    return Availability(known=True, open=False, opening=opening,
                        reply_when=reply_when(opening, now) if opening else None)
