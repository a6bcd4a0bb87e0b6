"""Dates typed to choose a session, read by dateparser (French, nothing fetched),
and dates formatted by Babel."""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.booking import dialogue
from bot.booking.service import SessionInfo
from bot.dates import PARIS, format_date, format_when

# Thursday 3 December 2026, 15:00 in Paris.
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=PARIS)


def session(sid, starts_at, city="Rouen"):
    return SessionInfo(id=sid, cae_name="CAE Normandie", cae_slug="normandie", starts_at=starts_at,
                       ends_at=starts_at + timedelta(hours=2), capacity=10, seats_left=5,
                       waitlist_count=0, status="planned", is_video=False, city=city)


# Two Tuesdays and two Thursdays, so that a weekday alone is not enough.
SESSIONS = [
    session(11, datetime(2026, 12, 8, 14, 0, tzinfo=PARIS)),   # Tuesday 8 Dec
    session(12, datetime(2026, 12, 10, 9, 30, tzinfo=PARIS)),  # Thursday 10 Dec
    session(13, datetime(2026, 12, 15, 18, 0, tzinfo=PARIS)),  # Tuesday 15 Dec
    session(14, datetime(2026, 12, 17, 14, 0, tzinfo=PARIS)),  # Thursday 17 Dec
    session(15, datetime(2027, 1, 12, 14, 0, tzinfo=PARIS)),   # Tuesday 12 Jan
]
OFFERED = [s.id for s in SESSIONS]


@pytest.mark.parametrize("text,expected", [
    ("jeudi prochain", 12),  # said on a Thursday: the next one
    ("le 12", 15), ("je préfère le 12 svp", 15), ("12/01", 15), ("le 12 janvier", 15),
    ("le 15", 13), ("plutôt le 15 décembre", 13), ("15/12", 13), ("celle du 17 déc.", 14),
    ("le 8 à 14 h", 11), ("mardi 15", 13),
    ("le 9", None),  # no session that day
    ("mardi", 11),  # two Tuesdays offered: the coming one, as dateparser reads it
    ("je ne sais pas", None), ("", None),
])
def test_a_typed_date_picks_the_one_session_of_that_day(text, expected):
    assert dialogue.choose_session(text, OFFERED, SESSIONS, now=NOW) == expected


def test_the_date_reader_tells_a_full_date_from_a_day_number():
    assert dialogue.typed_date("le 12", NOW) == (datetime(2026, 12, 12).date(), False)
    assert dialogue.typed_date("12/01", NOW) == (datetime(2027, 1, 12).date(), True)
    assert dialogue.typed_date("demain", NOW) == (datetime(2026, 12, 4).date(), True)
    assert dialogue.typed_date("à 18h", NOW) is None  # an hour is not a date
    assert dialogue.typed_date("la deuxième", NOW) is None


def test_dateparser_reads_french_from_local_data_and_fetches_nothing(monkeypatch):
    import dateparser

    data = Path(dateparser.__file__).parent / "data" / "date_translation_data" / "fr.py"
    assert data.is_file()

    def no_network(*args, **kwargs):
        raise AssertionError("dateparser tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert dialogue.typed_date("le 24 décembre", NOW) == (datetime(2026, 12, 24).date(), True)


def test_babel_formats_dates_in_french_paris_time():
    start = datetime(2027, 3, 1, 13, 30, tzinfo=PARIS)
    assert format_date(start) == "lundi 1er mars 2027"
    assert format_when(start, start + timedelta(hours=2)) == "lundi 1er mars 2027 de 13 h 30 à 15 h 30"
    summer_utc = datetime(2027, 7, 6, 10, 0, tzinfo=timezone.utc)  # 12:00 in Paris (UTC+2)
    assert dialogue.session_title(session(1, summer_utc)) == "mar. 6 juil. 12 h – Rouen"


def _with_full(sid):
    return [s if s.id != sid else SessionInfo(**{**s.__dict__, "seats_left": 0}) for s in SESSIONS]


@pytest.mark.parametrize("text,expected", [
    ("n'importe laquelle", 11), ("peu importe", 11), ("la plus proche svp", 11),
    ("plutôt en fin de journée", 13), ("le soir", 13), ("le matin", 12),
    ("plutôt l'après-midi", 11), ("un jeudi après-midi", 14), ("mardi en fin de journée", 13),
    ("un dimanche matin", None),  # nothing fits: asked again, never a guess
])
def test_typed_equivalents_of_the_buttons(text, expected):
    assert dialogue.choose_session(text, OFFERED, SESSIONS, now=NOW) == expected


def test_liste_d_attente_typed_picks_the_one_full_session_offered():
    sessions = _with_full(13)
    assert dialogue.choose_session("liste d'attente", OFFERED, sessions, now=NOW) == 13
    assert dialogue.choose_session("je veux bien être en liste d’attente", OFFERED, sessions, now=NOW) == 13
    # No full session, or two: not a choice.
    assert dialogue.choose_session("liste d'attente", OFFERED, SESSIONS, now=NOW) is None
    both = [s if s.id not in (11, 13) else SessionInfo(**{**s.__dict__, "seats_left": 0}) for s in SESSIONS]
    assert dialogue.choose_session("liste d'attente", OFFERED, both, now=NOW) is None
