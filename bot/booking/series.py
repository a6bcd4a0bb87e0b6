"""A series of sessions in one go: "every first Tuesday at 14:00 for six months",
"every Thursday at 9:30, 8 times".

The dates come from ``dateutil.rrule`` (already installed with Rasa), computed
on Paris wall-clock time so that 14:00 stays 14:00 across summer time. All the
sessions are created in one transaction with their ``SessionSeries``; each is
then an ordinary session (edited, cancelled, booked on its own).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, List, Mapping, Optional

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from bot.booking import coach as coach_ops
from bot.booking.coach import InvalidInput
from bot.booking.records import SessionInfo
from bot.booking.service import session_info_of
from bot.dates import PARIS, WEEKDAY_NAMES, format_date
from bot.storage.db import Database
from bot.storage.models import SESSION_PLANNED, InfoSession, SessionSeries, SessionSeriesMember, as_utc, utcnow

WEEKLY_RULE, MONTHLY_WEEKDAY, MONTHLY_DAY = "hebdomadaire", "mensuel_jour", "mensuel_date"
RULES = (WEEKLY_RULE, MONTHLY_WEEKDAY, MONTHLY_DAY)
MAX_SESSIONS = 52
MAX_SPAN = timedelta(days=731)
ORDINALS_FR = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"}


@dataclass(frozen=True)
class SeriesPlan:
    """What the coach asked for, checked: the first date, the rule, how many or until when."""

    first_day: date
    start: time
    end: time
    rule: str
    interval: int = 1  # every week, every two weeks...
    count: Optional[int] = None
    until: Optional[date] = None

    def nth_weekday(self) -> int:
        """Which weekday of the month the first date is: 1-4, or -1 for a fifth (the last)."""
        nth = (self.first_day.day - 1) // 7 + 1
        return -1 if nth == 5 else nth

    def describe(self) -> str:
        """French, e.g. ``chaque premier mardi du mois, 14 h – 16 h``."""
        day = WEEKDAY_NAMES[self.first_day.weekday()]
        hours = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.rule == WEEKLY_RULE:
            every = f"chaque {day}" if self.interval == 1 else f"un {day} sur {self.interval}"
        elif self.rule == MONTHLY_WEEKDAY:
            every = f"chaque {ORDINALS_FR[self.nth_weekday()]} {day} du mois"
        else:
            every = f"le {self.first_day.day} de chaque mois"
        return f"{every}, {hours}, à partir du {format_date(datetime.combine(self.first_day, self.start, PARIS))}"

    def starts(self) -> List[datetime]:
        """The start of each session, aware (Paris time)."""
        first = datetime.combine(self.first_day, self.start)  # naive: wall-clock time
        until = datetime.combine(self.until, time(23, 59)) if self.until else None
        count = None if until else self.count
        if self.rule == WEEKLY_RULE:
            dates = rrule(WEEKLY, interval=self.interval, dtstart=first, count=count, until=until)
        elif self.rule == MONTHLY_WEEKDAY:
            wd = weekday(self.first_day.weekday())(self.nth_weekday())
            dates = rrule(MONTHLY, interval=self.interval, byweekday=wd, dtstart=first,
                          count=count, until=until)
        else:
            dates = rrule(MONTHLY, interval=self.interval, bymonthday=self.first_day.day,
                          dtstart=first, count=count, until=until)
        out = []
        for value in dates:
            out.append(value.replace(tzinfo=PARIS))
            if len(out) > MAX_SESSIONS:
                break
        return out


def plan_from(data: Mapping[str, Any]) -> SeriesPlan:
    """The plan from a form or JSON: ``jour`` (YYYY-MM-DD), ``debut``/``fin``
    (HH:MM), ``regle`` (hebdomadaire, mensuel_jour, mensuel_date), ``intervalle``,
    and ``nombre`` or ``jusqu_au`` (YYYY-MM-DD). InvalidInput (French) otherwise."""
    try:
        first_day = date.fromisoformat(str(data.get("jour") or ""))
        start = time.fromisoformat(str(data.get("debut") or ""))
        end = time.fromisoformat(str(data.get("fin") or ""))
    except ValueError:
        raise InvalidInput("Indiquez le premier jour (AAAA-MM-JJ) et les heures de début et de fin.") from None
    if end <= start:
        raise InvalidInput("La fin doit être après le début.")
    rule = str(data.get("regle") or "")
    if rule not in RULES:
        raise InvalidInput("Choisissez une règle : chaque semaine, chaque mois (même jour de la "
                           "semaine) ou chaque mois (même date).")
    try:
        interval = int(data.get("intervalle") or 1)
        count = int(data["nombre"]) if data.get("nombre") not in (None, "") else None
        until = date.fromisoformat(str(data["jusqu_au"])) if data.get("jusqu_au") else None
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("Nombre de réunions, intervalle ou date de fin invalide.") from None
    if not 1 <= interval <= 12:
        raise InvalidInput("L'intervalle doit être entre 1 et 12.")
    if count is None and until is None:
        raise InvalidInput("Indiquez le nombre de réunions ou la date de la dernière.")
    if count is not None and not 1 <= count <= MAX_SESSIONS:
        raise InvalidInput(f"Entre 1 et {MAX_SESSIONS} réunions à la fois.")
    if until is not None and not first_day <= until <= first_day + MAX_SPAN:
        raise InvalidInput("La date de fin doit suivre le premier jour, dans les deux ans.")
    if rule == MONTHLY_DAY and first_day.day > 28:
        raise InvalidInput("Pour « même date chaque mois », choisissez un jour entre le 1er et le 28.")
    return SeriesPlan(first_day, start, end, rule, interval, count, until)


def create_series(db: Database, cae_id: int, plan: SeriesPlan, data: Mapping[str, Any],
                  coach_id: Optional[int] = None, now: Optional[datetime] = None
                  ) -> List[SessionInfo]:
    """Create every session of the plan for this CAE (``data``: ``capacity``, and
    ``place_id`` (a place of this CAE) or ``video_url``). Nothing is created if
    one date is wrong (past, or more than the limit)."""
    now = as_utc(now) if now else utcnow()
    starts = plan.starts()
    if not starts:
        raise InvalidInput("Aucune date ne correspond à cette règle.")
    if len(starts) > MAX_SESSIONS:
        raise InvalidInput(f"Cette règle donne plus de {MAX_SESSIONS} réunions : réduisez la période.")
    if as_utc(starts[0]) <= now:
        raise InvalidInput("La première réunion serait déjà passée.")
    capacity = coach_ops.check_capacity(data.get("capacity"))
    video_url = str(data.get("video_url") or "").strip() or None
    if video_url and not video_url.startswith(("https://", "http://")):
        raise InvalidInput("« video_url » doit être une adresse http(s).")
    length = datetime.combine(plan.first_day, plan.end) - datetime.combine(plan.first_day, plan.start)

    def work(s) -> List[SessionInfo]:
        place_id = coach_ops.check_place(s, cae_id, data.get("place_id"))
        if place_id is None and video_url is None:
            raise InvalidInput("Indiquez un lieu ou un lien de visio.")
        series = SessionSeries(cae_id=cae_id, rule=plan.describe()[:200], created_by=coach_id,
                               created_at=now)
        s.add(series)
        s.flush()
        made = []
        for start in starts:
            end = (datetime.combine(start.date(), plan.start) + length).replace(tzinfo=PARIS)
            sess = InfoSession(cae_id=cae_id, place_id=place_id, video_url=video_url,
                               starts_at=as_utc(start), ends_at=as_utc(end), capacity=capacity,
                               status=SESSION_PLANNED, created_at=now)
            s.add(sess)
            made.append(sess)
        s.flush()
        s.add_all([SessionSeriesMember(session_id=sess.id, series_id=series.id) for sess in made])
        return [session_info_of(s, sess) for sess in made]

    return db.run(work)
