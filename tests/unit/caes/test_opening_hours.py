"""Opening hours as data (bot/caes/hours.py): the maths in Paris wall-clock time
across the daylight-saving changes, closed dates and public holidays, the
French wording, and the schema's French errors naming the file and the field."""
import shutil
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml

from bot.caes import CAES_DIR, ProfileError, load_dir
from bot.caes.hours import (availability, describe, french_public_holidays, is_open, next_opening,
                            parse_hours, reply_when)
from bot.caes.profiles import hours_text
from bot.dates import PARIS

UTC = timezone.utc
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
# Two ranges a day on weekdays, closed at weekends, on public holidays and for a summer closure.
HOURS = parse_hours({
    "weekly": {day: ["09:00-12:30", "14:00-17:30"] for day in WEEKDAYS},
    "public_holidays_closed": True,
    "closed": [{"from": "2026-08-03", "to": "2026-08-21", "label": "congés d'été"},
               {"from": "2026-11-10"}],
})


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_two_ranges_a_day_and_the_lunch_break():
    assert not is_open(HOURS, paris(2026, 12, 8, 8, 59))
    assert is_open(HOURS, paris(2026, 12, 8, 9, 0))
    assert is_open(HOURS, paris(2026, 12, 8, 12, 29))
    assert not is_open(HOURS, paris(2026, 12, 8, 12, 30))  # the end is excluded
    assert next_opening(HOURS, paris(2026, 12, 8, 12, 45)) == paris(2026, 12, 8, 14, 0)
    assert next_opening(HOURS, paris(2026, 12, 8, 10, 0)) == paris(2026, 12, 8, 10, 0)  # open: now


def test_weekend_then_monday_morning():
    friday_evening = paris(2026, 12, 4, 18, 0)
    assert not is_open(HOURS, friday_evening) and not is_open(HOURS, paris(2026, 12, 5, 10, 0))
    assert next_opening(HOURS, friday_evening) == paris(2026, 12, 7, 9, 0)
    assert reply_when(next_opening(HOURS, friday_evening), friday_evening) == "lundi à partir de 9 h"


def test_march_change_monday_9h_is_7h_utc():
    # Sunday 29 March 2026, 02:00 -> 03:00: the next opening is Monday 9:00 summer time.
    saturday = paris(2026, 3, 28, 12, 0)
    opening = next_opening(HOURS, saturday)
    assert opening == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert opening.astimezone(PARIS).hour == 9
    # Friday before the change it opened at 8:00 UTC.
    assert next_opening(HOURS, paris(2026, 3, 27, 7, 0)) == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert is_open(HOURS, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert not is_open(HOURS, datetime(2026, 3, 30, 6, 59, tzinfo=UTC))


def test_october_change_monday_9h_is_8h_utc():
    # Sunday 25 October 2026, 03:00 -> 02:00.
    opening = next_opening(HOURS, paris(2026, 10, 23, 18, 0))
    assert opening == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert not is_open(HOURS, datetime(2026, 10, 26, 7, 30, tzinfo=UTC))  # 8:30 in Paris
    # 17:29 on the Friday before (summer time) is 15:29 UTC and still open.
    assert is_open(HOURS, datetime(2026, 10, 23, 15, 29, tzinfo=UTC))


def test_closed_date_public_holiday_and_summer_closure():
    # Tuesday 10 November (closed date) then Wednesday 11 November (public holiday): Thursday.
    monday_evening = paris(2026, 11, 9, 18, 0)
    assert not is_open(HOURS, paris(2026, 11, 10, 10, 0))
    assert not is_open(HOURS, paris(2026, 11, 11, 10, 0))
    assert next_opening(HOURS, monday_evening) == paris(2026, 11, 12, 9, 0)
    assert reply_when(paris(2026, 11, 12, 9, 0), monday_evening) == "jeudi à partir de 9 h"
    # Summer closure from Friday 31 July's evening: back on Monday 24 August.
    opening = next_opening(HOURS, paris(2026, 7, 31, 18, 0))
    assert opening == paris(2026, 8, 24, 9, 0)
    assert reply_when(opening, paris(2026, 7, 31, 18, 0)) == "lundi 24 août à partir de 9 h"
    # Christmas Friday: the Monday after.
    assert next_opening(HOURS, paris(2026, 12, 24, 18, 0)) == paris(2026, 12, 28, 9, 0)


def test_french_public_holidays_follow_easter():
    holidays = french_public_holidays(2026)  # Easter: 5 April 2026
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)} <= holidays
    assert len(holidays) == 11 and date(2026, 4, 5) not in holidays


def test_today_tomorrow_and_no_opening():
    assert reply_when(paris(2026, 12, 8, 14, 0), paris(2026, 12, 8, 13, 0)) == "aujourd'hui à partir de 14 h"
    assert reply_when(paris(2026, 12, 9, 9, 30), paris(2026, 12, 8, 20, 0)) == "demain à partir de 9 h 30"
    never = parse_hours({"weekly": {}})
    assert next_opening(never, paris(2026, 12, 8, 10, 0)) is None
    assert availability(never, paris(2026, 12, 8, 10, 0)).reply_when is None
    assert availability(None, paris(2026, 12, 8, 10, 0)).known is False
    closed = availability(HOURS, paris(2026, 12, 5, 10, 0))
    assert (closed.known, closed.open, closed.reply_when) == (True, False, "lundi à partir de 9 h")
    assert availability(HOURS, paris(2026, 12, 7, 10, 0)).open


def test_next_opening_is_never_before_and_always_open():
    moment = paris(2026, 1, 1, 0, 0)
    for step in range(0, 24 * 400, 7):  # every 7 hours over 400 days
        at = moment + timedelta(hours=step)
        opening = next_opening(HOURS, at)
        assert opening >= at and is_open(HOURS, opening)
        assert not is_open(HOURS, opening - timedelta(minutes=1)) or opening == at.astimezone(UTC)


def test_wording():
    assert describe(HOURS, date(2026, 8, 1)) == (
        "du lundi au vendredi de 9 h à 12 h 30 et de 14 h à 17 h 30 ; fermé les jours fériés ; "
        "fermé du 3 au 21 août 2026 (congés d'été) ; fermé le 10 novembre 2026")
    # Closures over are left out; a day alone and two days.
    other = parse_hours({"weekly": {"tuesday": ["10:00-18:00"], "wednesday": ["10:00-18:00"],
                                    "saturday": ["10:00-12:00"], "sunday": ["20:00-24:00"]},
                         "closed": [{"from": "2026-12-24", "to": "2027-01-02", "label": "fêtes"}]})
    assert describe(other, date(2027, 3, 1)) == (
        "le mardi et le mercredi de 10 h à 18 h ; le samedi de 10 h à 12 h ; le dimanche de 20 h à minuit")
    assert "du 24 décembre 2026 au 2 janvier 2027 (fêtes)" in describe(other, date(2026, 12, 1))
    # The first of the month is « 1er », in a closure and in a reply more than a week ahead.
    first = parse_hours({"weekly": {"tuesday": ["09:00-12:00"]},
                         "closed": [{"from": "2026-08-01", "to": "2026-08-25"}, {"from": "2026-09-01"}]})
    assert describe(first, date(2026, 7, 1)).endswith("fermé du 1er au 25 août 2026 ; fermé le 1er septembre 2026")
    assert reply_when(paris(2026, 9, 1, 9, 0), paris(2026, 8, 20, 9, 0)) == "mardi 1er septembre à partir de 9 h"


def test_shipped_profiles_have_hours_or_say_none():
    profiles = load_dir()
    assert hours_text(profiles["coop-lyon"]).startswith("du mardi au vendredi de 10 h à 13 h et de 14 h à 18 h")
    assert hours_text(profiles["coop-batir-rhone"]) is None  # no hours: no promise of a time


def _profile_with(tmp_path, monkeypatch, hours):
    directory = tmp_path / "caes"
    directory.mkdir()
    shutil.copy(CAES_DIR / "schema.json", directory / "schema.json")
    data = yaml.safe_load((CAES_DIR / "coop-lyon.yml").read_text(encoding="utf-8"))
    data["opening_hours"] = hours
    (directory / "coop-lyon.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr("bot.caes.profiles.SCHEMA_FILE", directory / "schema.json")
    with pytest.raises(ProfileError) as error:
        load_dir(directory)
    return str(error.value)


@pytest.mark.parametrize("hours, field, words", [
    ({"weekly": {"monday": ["9h-12h"]}}, "opening_hours/weekly/monday/0", "09:00-12:30"),
    ({"weekly": {"monday": ["14:00-12:00"]}}, "opening_hours/weekly/monday/0", "finit avant de commencer"),
    ({"weekly": {"monday": ["09:00-12:00", "11:00-13:00"]}}, "opening_hours/weekly/monday/1", "chevauche"),
    ({"weekly": {"lundi": ["09:00-12:00"]}}, "opening_hours/weekly", "champ inconnu"),
    ({"weekly": {}, "closed": [{"from": "2026-02-30"}]}, "opening_hours/closed/0/from", "n'est pas une date"),
    ({"weekly": {}, "closed": [{"from": "2026-08-10", "to": "2026-08-01"}]}, "opening_hours/closed/0/to",
     "avant le début"),
    ({"weekly": {}, "closed": [{"from": date(2026, 8, 10)}]}, "opening_hours/closed/0/from", "entre guillemets"),
    ("du lundi au vendredi", "opening_hours", "type de valeur inattendu"),
])
def test_bad_hours_name_file_and_field(tmp_path, monkeypatch, hours, field, words):
    message = _profile_with(tmp_path, monkeypatch, hours)
    assert message.startswith("Profil de CAE caes/coop-lyon.yml non valable")
    assert f"« {field} »" in message and words in message, message


def test_what_the_chat_may_promise():
    assert availability(None, paris(2026, 12, 8, 10, 0)).timing == "unknown"
    assert availability(HOURS, paris(2026, 12, 8, 10, 0)).timing == "open"
    assert availability(HOURS, paris(2026, 12, 6, 10, 0)).timing == "later"
    never = parse_hours({"weekly": {}})
    assert availability(never, paris(2026, 12, 8, 10, 0)).timing == "unsure"
