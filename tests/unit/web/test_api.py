"""The JSON API for information sessions: public list, coach-only changes,
scoping by CAE, clear French errors."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aiohttp import BasicAuth

from bot.booking import service
from tests.webapp import as_coach, start_session

ROUEN = as_coach("rouen@cae.test")
PARIS = as_coach("paris@cae.test")


def in_days(days: int, hour: int = 14) -> str:
    moment = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (moment + timedelta(days=days)).isoformat()


async def test_public_list_of_upcoming_sessions_with_seats_left(client, web_db):
    reply = await client.get("/api/sessions", params={"where": "76"})
    assert reply.status == 200
    sessions = (await reply.json())["sessions"]
    assert sessions and all(s["departement"] == "76" for s in sessions)
    assert all(s["seats_left"] == s["capacity"] for s in sessions)


async def test_changes_need_a_coach(client):
    assert (await client.post("/api/sessions", json={})).status == 401
    assert (await client.post("/api/sessions", json={}, auth=BasicAuth("rouen@cae.test", "faux"))).status == 401
    assert (await client.get("/api/sessions/1/bookings")).status == 401
    assert (await client.post("/api/bookings/RI-2345AB/attendance", json={"status": "attended"})).status == 401


async def test_coach_creates_edits_and_cancels_a_session(client, web_db):
    rouen_place = service.upcoming_sessions(web_db, "rouen")[0]
    body = {"starts_at": in_days(30), "ends_at": in_days(30, 16), "capacity": 15, "video_url": "https://visio.test/r"}
    reply = await client.post("/api/sessions", json=body, auth=ROUEN)
    assert reply.status == 201, await reply.text()
    created = (await reply.json())["session"]
    assert created["cae_slug"] == "coop-normandie" and created["capacity"] == 15

    reply = await client.patch(f"/api/sessions/{created['id']}", json={"capacity": 20}, auth=ROUEN)
    assert (await reply.json())["session"]["capacity"] == 20

    booked = service.book(web_db, created["id"], {"first_name": "Léa", "last_name": "Martin",
                                                  "email": "lea@exemple.fr"}, consent=True)
    reply = await client.post(f"/api/sessions/{created['id']}/cancel", json={"reason": ["x"]}, auth=ROUEN)
    assert reply.status == 400 and service.get_session(web_db, created["id"]).status == "planned"
    reply = await client.post(f"/api/sessions/{created['id']}/cancel", json={"reason": "Salle inondée"}, auth=ROUEN)
    assert (await reply.json())["cancelled_bookings"] == 1
    assert service.find_booking(web_db, booked.reference, "lea@exemple.fr").status == "cancelled"
    assert rouen_place.id not in [s["id"] for s in (await (await client.get("/api/sessions")).json())["sessions"]
                                  if s["id"] == created["id"]]
    reply = await client.post(f"/api/sessions/{created['id']}/cancel", auth=ROUEN)
    assert reply.status == 409 and "déjà annulée" in (await reply.json())["error"]


async def test_bad_input_gets_a_french_400(client):
    cases = [
        {"starts_at": "demain", "ends_at": in_days(3, 16), "capacity": 10, "video_url": "https://v.test"},
        {"starts_at": in_days(-3), "ends_at": in_days(-3, 16), "capacity": 10, "video_url": "https://v.test"},
        {"starts_at": in_days(3), "ends_at": in_days(3, 16), "capacity": 0, "video_url": "https://v.test"},
        {"starts_at": in_days(3), "ends_at": in_days(3, 16), "capacity": 10},
        {"starts_at": in_days(3, 16), "ends_at": in_days(3), "capacity": 10, "video_url": "https://v.test"},
    ]
    for body in cases:
        reply = await client.post("/api/sessions", json=body, auth=ROUEN)
        assert reply.status == 400, body
        assert (await reply.json())["error"]
    reply = await client.post("/api/sessions", data="{pas du json", auth=ROUEN,
                              headers={"Content-Type": "application/json"})
    assert reply.status == 400


async def test_a_coach_cannot_touch_another_caes_session(client, web_db):
    paris = service.upcoming_sessions(web_db, "paris")[0]
    assert (await client.patch(f"/api/sessions/{paris.id}", json={"capacity": 3}, auth=ROUEN)).status == 403
    assert (await client.get(f"/api/sessions/{paris.id}/bookings", auth=ROUEN)).status == 403
    assert (await client.get(f"/api/sessions/{paris.id}/bookings", auth=PARIS)).status == 200
    assert (await client.get(f"/api/sessions/{paris.id}/bookings", auth=as_coach("admin@cae.test"))).status == 200
    assert (await client.get("/api/sessions/999999/bookings", auth=PARIS)).status == 404


async def test_bookings_list_and_attendance(client, web_db):
    session = service.upcoming_sessions(web_db, "paris")[0]
    booking = service.book(web_db, session.id, {"first_name": "Ali", "last_name": "Ben",
                                                "email": "ali@exemple.fr"}, consent=True)
    reply = await client.get(f"/api/sessions/{session.id}/bookings", auth=PARIS)
    [row] = (await reply.json())["bookings"]
    assert (row["reference"], row["status"], row["email"]) == (booking.reference, "registered", "ali@exemple.fr")
    start_session(web_db, session.id)
    reply = await client.post(f"/api/bookings/{booking.reference}/attendance", json={"status": "attended"}, auth=PARIS)
    assert (await reply.json())["status"] == "attended"
    reply = await client.post(f"/api/bookings/{booking.reference}/attendance", json={"status": "là"}, auth=PARIS)
    assert reply.status == 400
    reply = await client.post(f"/api/bookings/{booking.reference}/attendance", json={"status": "absent"}, auth=ROUEN)
    assert reply.status == 403


async def test_raising_capacity_promotes_the_waiting_list(client, web_db):
    session = service.upcoming_sessions(web_db, "lyon")[0]
    reply = await client.patch(f"/api/sessions/{session.id}", json={"capacity": 1},
                               auth=as_coach("admin@cae.test"))
    assert reply.status == 200
    service.book(web_db, session.id, {"first_name": "A", "last_name": "A", "email": "a@exemple.fr"}, consent=True)
    waiting = service.book(web_db, session.id, {"first_name": "B", "last_name": "B", "email": "b@exemple.fr"},
                           consent=True, waitlist_ok=True)
    assert waiting.status == "waitlisted"
    await client.patch(f"/api/sessions/{session.id}", json={"capacity": 2}, auth=as_coach("admin@cae.test"))
    offered = service.find_booking(web_db, waiting.reference, "b@exemple.fr")
    assert offered.status == "waitlisted" and offered.has_offer  # the seat is held for B
    assert service.get_session(web_db, session.id).seats_left == 0
