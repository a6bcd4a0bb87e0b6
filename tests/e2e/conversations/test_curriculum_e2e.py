"""The training follow-up over the REST channel, real servers: link with a
coach code, where I stand, next objective, self-check, done; the calculators."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import identity
from bot.booking import service as booking
from bot.curriculum import service
from bot.storage.db import Database
from bot.storage.models import Person
from tests.support import chat, payloads, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture
def coach_code(servers):
    db = Database(servers.database_url)
    session = booking.upcoming_sessions(db)[0]
    booking.book(db, session.id, {"first_name": "Inès", "last_name": "K", "email": "ines@exemple.fr"},
                 consent=True, notify=False)
    with db.reader() as s:
        pid = s.execute(select(Person.id).where(Person.email == "ines@exemple.fr")).scalar_one()
    service.enrol(db, pid, "ante_creation")
    code = identity.create_coach_code(db, pid)
    yield code
    db.dispose()


def test_entrepreneur_links_and_works_through_an_objective(servers, coach_code):
    me = "curriculum-e2e"
    assert "Relier mon dossier" in str(chat(servers, me, "où j'en suis ?"))
    assert "code que votre conseiller" in texts(chat(servers, me, "j'ai un code de mon conseiller"))
    assert "C'est fait" in texts(chat(servers, me, coach_code))
    assert "0/9" in texts(chat(servers, me, "où j'en suis ?"))
    step = chat(servers, me, "on continue")
    assert "Objectif : Connaître son activité" in texts(step) and "Question 1/2" in texts(step)
    feedback = chat(servers, me, payloads(step)[1])
    assert "✔" in texts(feedback) and "Question 2/2" in texts(feedback)
    last = chat(servers, me, payloads(feedback)[0])
    assert "Score" in texts(last)
    assert "est terminé" in texts(chat(servers, me, "j'ai terminé"))
    assert "1/9" in texts(chat(servers, me, "où j'en suis ?"))


def test_calculators(servers):
    me = "calculators-e2e"
    assert "charges fixes" in texts(chat(servers, me, "calculer mon seuil de rentabilité"))
    assert "Je n'ai pas compris le montant" in texts(chat(servers, me, "beaucoup"))
    assert "coûts variables" in texts(chat(servers, me, "12000"))
    asked = texts(chat(servers, me, "40 %"))
    assert "contribution" in asked and "8 et 15 %" in asked and "2020" in asked
    assert "verser par mois" in texts(chat(servers, me, "0,5 %"))
    assert "facturer par mois" in texts(chat(servers, me, "0"))
    result = texts(chat(servers, me, "2500")).replace("\u202f", " ")
    # 12 000 € / (60 % × 99,5 %) = 20 100,50 €, reached in the 9th month of 2 500 €.
    assert "20 100,50 € de chiffre d'affaires" in result and "9e mois" in result
    assert "estimation" in result

    assert "encaissements" in texts(chat(servers, me, "calculer mon besoin de trésorerie"))
    assert "décaissements" in texts(chat(servers, me, "0 ; 1000 ; 3000"))
    result = texts(chat(servers, me, "1500 ; 1500 ; 1500")).replace("\u202f", " ")
    assert "au mois 2" in result and "2 000 €" in result


def test_break_even_never_reached_in_the_chat(servers):
    me = "calculators-never-e2e"
    chat(servers, me, "calculer mon seuil de rentabilité")
    chat(servers, me, "12 000 €")
    assert "Voulez-vous dire 0,4 % ou 40 %" in texts(chat(servers, me, "0,4"))
    chat(servers, me, "40%")
    chat(servers, me, "je ne sais pas")
    chat(servers, me, "0")
    result = texts(chat(servers, me, "1000")).replace("\u202f", " ")
    assert "vous ne l'atteignez pas" in result and not re.search(r"\d+e mois", result)
    assert "je compte 15 %" in result and "renseignez-vous" in result
