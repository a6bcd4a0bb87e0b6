"""Exports checked cell by cell: phone numbers as text, Paris times to the minute,
French statuses, place and city; the enDI file without erased or cancelled rows."""
from __future__ import annotations

import csv
import io
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.booking import coach as coach_ops
from bot.booking import service
from bot.booking.texts import PARIS
from bot.storage.models import Booking, Person, utcnow
from bot.web.app import create_app
from bot.web.dashboard.common import csv_cell
from tests.unit.web.test_dashboard import log_in


def test_formula_guard_keeps_phone_numbers_and_numbers():
    assert csv_cell("+33 6 12 34 56 78") == "+33 6 12 34 56 78"
    assert csv_cell("-5") == "-5"
    assert csv_cell("06 12 34 56 78") == "06 12 34 56 78"
    for formula in ("=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "+", "-"):
        assert csv_cell(formula) == "'" + formula
    assert csv_cell(None) == ""


def table(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
async def exports(web_db):
    first, second = service.upcoming_sessions(web_db, "rouen")[:2]

    def book(session, first_name, phone):
        return service.book(web_db, session.id, {"first_name": first_name, "last_name": "Martin",
                                                 "email": f"{first_name.lower().strip('=()')}@exemple.fr",
                                                 "phone": phone}, consent=True, notify=False).reference

    refs = {"lea": book(first, "Léa", "+33 6 12 34 56 78"), "erased": book(first, "Sam", "06 11 11 11 11"),
            "cancelled": book(first, "Tom", "06 22 22 22 22"), "formula": book(first, "=CMD()", "07 81 22 33 44"),
            "in_cancelled_session": book(second, "Zoé", "06 33 33 33 33")}

    def work(s):
        s.execute(update(Booking).where(Booking.reference == refs["cancelled"]).values(status="cancelled"))
        s.execute(update(Booking).where(Booking.reference == refs["in_cancelled_session"]).values(status="attended"))
        person = s.query(Booking).filter_by(reference=refs["erased"]).one().person_id
        s.execute(update(Person).where(Person.id == person).values(erased_at=utcnow()))

    web_db.run(work)
    coach_ops.cancel_session(web_db, second.id, notify=False)
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0)
    async with TestClient(TestServer(app)) as client:
        await log_in(client, email="rouen@cae.test")
        yield client, refs, first


async def test_bookings_export_cell_by_cell(exports):
    client, refs, session = exports
    rows = {r["Référence"]: r for r in table(await (await client.get("/coach/export/bookings.csv")).text())}
    lea = rows[refs["lea"]]
    assert lea["Téléphone"] == "+33 6 12 34 56 78" and lea["Statut"] == "Inscrit"
    assert lea["Prénom"] == "Léa" and lea["E-mail"] == "léa@exemple.fr"
    assert lea["Réunion"] == session.starts_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert lea["Lieu"] == "Maison de l'économie sociale" and lea["Ville"] == "Rouen"
    assert lea["Réunion : statut"] == "Ouverte"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", lea["Inscrit le"])
    assert rows[refs["cancelled"]]["Statut"] == "Inscription annulée"
    assert rows[refs["in_cancelled_session"]]["Réunion : statut"] == "Annulée"
    assert rows[refs["formula"]]["Prénom"] == "'=CMD()"


async def test_endi_export_has_live_rows_only(exports):
    client, refs, session = exports
    text = await (await client.get("/coach/export/endi.csv")).text()
    assert text.splitlines()[0] == ("\ufeffNom;Prénom;E-mail 1;Tél. mobile;Date info coll;Lieu;Ville;"
                                    "Présence;Structure")
    rows = table(text)
    assert [r["Prénom"] for r in rows] == ["Léa", "'=CMD()"]
    lea = rows[0]
    assert lea == {"Nom": "Martin", "Prénom": "Léa", "E-mail 1": lea["E-mail 1"], "Tél. mobile": "+33 6 12 34 56 78",
                   "Date info coll": session.starts_at.astimezone(PARIS).strftime("%d/%m/%Y"),
                   "Lieu": "Maison de l'économie sociale", "Ville": "Rouen", "Présence": "Inscrit",
                   "Structure": "Coopérative d'activité Normandie"}
    assert rows[1]["Tél. mobile"] == "07 81 22 33 44"
