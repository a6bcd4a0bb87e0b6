"""Coach API for the training follow-up: enrol, see progress, validate, link codes."""
from __future__ import annotations

from sqlalchemy import select

from bot import identity
from bot.booking import service as booking
from bot.curriculum import service
from bot.storage.models import Person
from tests.webapp import as_coach

ROUEN, PARIS, ADMIN = as_coach("rouen@cae.test"), as_coach("paris@cae.test"), as_coach("admin@cae.test")


def rouen_person(db) -> int:
    session = booking.upcoming_sessions(db, "rouen")[0]
    booking.book(db, session.id, {"first_name": "Léa", "last_name": "M", "email": "lea@exemple.fr"},
                 consent=True, notify=False)
    with db.reader() as s:
        return s.execute(select(Person.id).where(Person.email == "lea@exemple.fr")).scalar_one()


async def test_enrol_follow_and_validate(client, web_db):
    pid = rouen_person(web_db)
    assert (await client.post(f"/api/people/{pid}/enrolments", json={"module": "ante_creation"})).status == 401
    reply = await client.post(f"/api/people/{pid}/enrolments", json={"module": "ante_creation"}, auth=ROUEN)
    assert reply.status == 201
    assert (await client.post(f"/api/people/{pid}/enrolments", json={"module": "inconnu"}, auth=ROUEN)).status == 400
    service.complete_objective(web_db, pid, "break_even")  # the entrepreneur did it in the chat
    progress = await (await client.get(f"/api/people/{pid}/progress", auth=ROUEN)).json()
    [mod] = progress["modules"]
    assert mod["done"] == 1 and {"action": "completed"}.items() <= progress["history"][-1].items()
    reply = await client.post(f"/api/people/{pid}/objectives/break_even/validate", auth=ROUEN)
    assert reply.status == 200
    reply = await client.post(f"/api/people/{pid}/objectives/break_even/validate", auth=ROUEN)
    assert reply.status == 409
    progress = await (await client.get(f"/api/people/{pid}/progress", auth=ROUEN)).json()
    assert {o["id"]: o["status"] for o in progress["modules"][0]["objectives"]}["break_even"] == "validated"


async def test_other_caes_coaches_cannot_see_the_person(client, web_db):
    pid = rouen_person(web_db)
    assert (await client.get(f"/api/people/{pid}/progress", auth=PARIS)).status == 403
    assert (await client.post(f"/api/people/{pid}/link-code", auth=PARIS)).status == 403
    assert (await client.get(f"/api/people/{pid}/progress", auth=ADMIN)).status == 200


async def test_link_code_from_the_api_links_a_conversation(client, web_db):
    pid = rouen_person(web_db)
    reply = await client.post(f"/api/people/{pid}/link-code", auth=ROUEN)
    code = (await reply.json())["code"]
    assert identity.link_with_coach_code(web_db, "chat-1", code) == pid
