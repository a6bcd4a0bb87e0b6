"""The links of booking e-mails, followed from the outbox .eml files: cancel,
change date, add to calendar; tampered links and cancelled or past bookings."""
from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from html.parser import HTMLParser
from urllib.parse import urlsplit

from icalendar import Calendar

from bot.booking import service
from bot.storage.models import Booking, InfoSession, utcnow
from tests.support import eventually

PERSON = {"first_name": "Léa", "last_name": "Martin", "email": "lea@exemple.fr"}


class _Links(HTMLParser):
    """``<a href>`` by text, and the first form's action and fields."""

    def __init__(self):
        super().__init__()
        self.links, self.fields, self.action, self.radios = {}, {}, None, []
        self._href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._href = attrs.get("href")
        elif tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") == "radio" and "disabled" not in attrs:
            self.radios.append(attrs["value"])

    def handle_data(self, data):
        if self._href and data.strip():
            self.links[data.strip()] = self._href

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def mails(outbox, to="lea@exemple.fr"):
    found = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in sorted(outbox.glob("*.eml"))]
    return [m for m in found if m["To"] == to]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def ics_event(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    calendar = Calendar.from_ical(content.encode() if isinstance(content, str) else content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def two_sessions_of_one_cae(db):
    by_cae = {}
    for session in service.upcoming_sessions(db):
        if not session.is_full:
            by_cae.setdefault(session.cae_slug, []).append(session)
    return next(sessions[:2] for sessions in by_cae.values() if len(sessions) >= 2)


def status_of(db, reference):
    return service.booking_by_reference(db, reference).status


async def test_html_mail_links_lead_to_cancel_after_a_confirmation_step(client, web_db, tmp_path):
    outbox = tmp_path / "outbox"
    first, _ = two_sessions_of_one_cae(web_db)
    made = service.book(web_db, first.id, PERSON, consent=True)
    [confirmation] = mails(outbox)
    plain = confirmation.get_body(("plain",)).get_content()
    html = confirmation.get_body(("html",)).get_content()
    assert "écrivez simplement à l'assistant" not in plain
    links = parse(html).links
    assert set(links) >= {"Annuler", "Changer de date", "Ajouter à mon agenda"}
    for url in links.values():  # the same links in the plain-text alternative
        assert url in plain
    assert first.cae_name in html and made.reference in html

    # The calendar link serves the invitation.
    response = await client.get(path_of(links["Ajouter à mon agenda"]))
    assert response.status == 200 and response.content_type == "text/calendar"
    assert made.reference.encode() in await response.read()

    # GET shows a confirmation step and changes nothing.
    page = await client.get(path_of(links["Annuler"]))
    assert page.status == 200
    form = parse(await page.text())
    assert status_of(web_db, made.reference) == "registered"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    done = await client.post(form.action, data=form.fields)
    assert done.status == 200 and "est annulée" in await done.text()
    assert status_of(web_db, made.reference) == "cancelled"
    cancelled = mails(outbox)[-1]
    calendar, event = ics_event(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]).startswith(made.reference)

    # Reused link: says so, changes nothing, sends nothing.
    again = await client.post(form.action, data=form.fields)
    assert again.status == 409 and "déjà annulée" in await again.text()
    page = await client.get(path_of(links["Annuler"]))
    assert page.status == 409 and "annulée" in await page.text()
    booking_page = await client.get(path_of(links["Annuler"]).replace("/annuler", ""))
    text = await booking_page.text()
    assert "Cette réservation est annulée." in text and "Oui, annuler" not in text
    assert len(mails(outbox)) == 2


async def test_change_date_from_the_mail_updates_the_same_calendar_entry(client, web_db, tmp_path):
    outbox = tmp_path / "outbox"
    first, second = two_sessions_of_one_cae(web_db)
    made = service.book(web_db, first.id, PERSON, consent=True)
    [confirmation] = mails(outbox)
    _, before = ics_event(confirmation)
    link = parse(confirmation.get_body(("html",)).get_content()).links["Changer de date"]

    page = await client.get(path_of(link))
    assert page.status == 200
    form = parse(await page.text())
    assert str(second.id) in form.radios and str(first.id) not in form.radios
    assert service.booking_by_reference(web_db, made.reference).session.id == first.id

    done = await client.post(form.action, data={**form.fields, "session": str(second.id)})
    assert done.status == 200 and "Date changée" in await done.text()
    moved = service.booking_by_reference(web_db, made.reference)
    assert moved.session.id == second.id and moved.status == "registered"
    changed = mails(outbox)[-1]
    assert changed["Subject"].startswith("Changement de date")
    _, after = ics_event(changed)
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == second.starts_at

    # No date given, or a made-up one: a French page, nothing moves.
    for data in ({**form.fields}, {**form.fields, "session": "999999"},
                 {**form.fields, "session": str(second.id)}):
        refused = await client.post(form.action, data=data)
        assert refused.status in (400, 409)
        assert "impossible" in await refused.text()
    assert service.booking_by_reference(web_db, made.reference).session.id == second.id


async def test_tampered_or_missing_tokens_change_nothing(client, web_db, tmp_path):
    first, _ = two_sessions_of_one_cae(web_db)
    made = service.book(web_db, first.id, PERSON, consent=True)
    [confirmation] = mails(tmp_path / "outbox")
    link = parse(confirmation.get_body(("html",)).get_content()).links["Annuler"]
    path = path_of(link)
    token = re.search(r"t=([0-9a-f]+)", path).group(1)
    tampered = path.replace(token, ("0" if token[0] != "0" else "1") + token[1:])
    for response in (await client.get(tampered), await client.get(path.split("?")[0]),
                     await client.post(path.split("?")[0], data={"t": token[:-1]}),
                     await client.post(path.split("?")[0], data={})):
        assert response.status == 403
        assert "Lien non valide" in await response.text()
    # Another booking's token opens nothing of this one; the .ics token no page.
    other = service.book(web_db, first.id, {**PERSON, "email": "autre@exemple.fr"}, consent=True)
    [other_mail] = mails(tmp_path / "outbox", "autre@exemple.fr")
    other_token = re.search(r"t=([0-9a-f]+)",
                            parse(other_mail.get_body(("html",)).get_content()).links["Annuler"]
                            ).group(1)
    response = await client.post(f"/reunions/{made.reference}/annuler", data={"t": other_token})
    assert response.status == 403
    ics_token = re.search(r"t=([0-9a-f]+)", parse(confirmation.get_body(("html",)).get_content())
                          .links["Ajouter à mon agenda"]).group(1)
    response = await client.post(f"/reunions/{made.reference}/annuler", data={"t": ics_token})
    assert response.status == 403
    assert status_of(web_db, made.reference) == "registered"
    assert status_of(web_db, other.reference) == "registered"


async def test_a_past_booking_says_so_and_cannot_be_cancelled(client, web_db, tmp_path):
    first, _ = two_sessions_of_one_cae(web_db)
    made = service.book(web_db, first.id, PERSON, consent=True)
    [confirmation] = mails(tmp_path / "outbox")
    links = parse(confirmation.get_body(("html",)).get_content()).links
    page = parse(await (await client.get(path_of(links["Annuler"]))).text())
    with web_db.session() as s:  # the session took place yesterday
        row = s.get(InfoSession, first.id)
        row.starts_at = utcnow() - timedelta(days=1)
        row.ends_at = row.starts_at + timedelta(hours=2)
    text = await (await client.get(path_of(links["Annuler"]).replace("/annuler", ""))).text()
    assert "déjà eu lieu" in text and "Oui, annuler" not in text
    response = await client.post(page.action, data=page.fields)
    assert response.status == 409 and "déjà eu lieu" in await response.text()
    response = await client.get(path_of(links["Changer de date"]))
    assert response.status == 409
    assert status_of(web_db, made.reference) == "registered"
    with web_db.session() as s:
        assert s.query(Booking).filter_by(reference=made.reference).one().status == "registered"


def full_session_with_queue(db, emails):
    session = next(s for s in service.upcoming_sessions(db) if not s.is_full)
    with db.session() as s:
        s.get(InfoSession, session.id).capacity = 1
    seat = service.book(db, session.id, PERSON, consent=True, notify=False)
    queue = [service.book(db, session.id, {**PERSON, "email": e}, consent=True, waitlist_ok=True)
             for e in emails]
    return session, seat, queue


def offer_links(outbox, to):
    offers = [m for m in mails(outbox, to) if "place s'est libérée" in m["Subject"]]
    assert offers, f"no offer to {to}"
    return parse(offers[-1].get_body(("html",)).get_content()).links


async def test_claiming_an_offered_seat_from_the_mail(client, web_db, tmp_path):
    outbox = tmp_path / "outbox"
    session, seat, [first, second] = full_session_with_queue(
        web_db, ["un@exemple.fr", "deux@exemple.fr"])
    service.cancel(web_db, seat.reference, PERSON["email"])
    links = offer_links(outbox, "un@exemple.fr")
    assert set(links) >= {"Je prends la place", "Je ne peux plus venir"}
    page = await client.get(path_of(links["Je prends la place"]))
    assert page.status == 200 and "gardons cette place" in await page.text()
    assert status_of(web_db, first.reference) == "waitlisted"  # GET changed nothing
    form = parse(await page.text())
    done = await client.post(form.action, data=form.fields)
    assert done.status == 200 and "votre place est réservée" in await done.text()
    assert status_of(web_db, first.reference) == "registered"
    confirmation = mails(outbox, "un@exemple.fr")[-1]
    assert confirmation["Subject"].startswith("Inscription confirmée")
    calendar, event = ics_event(confirmation)
    assert str(event["UID"]).startswith(first.reference)
    # Reused link: says the seat is already theirs, changes nothing.
    again = await client.post(form.action, data=form.fields)
    assert again.status == 200 and "déjà confirmée" in await again.text()
    assert status_of(web_db, second.reference) == "waitlisted"


async def test_declining_passes_the_seat_and_a_late_claim_keeps_the_place_in_line(
        client, web_db, tmp_path):
    outbox = tmp_path / "outbox"
    session, seat, [first, second] = full_session_with_queue(
        web_db, ["un@exemple.fr", "deux@exemple.fr"])
    service.cancel(web_db, seat.reference, PERSON["email"])
    first_links = offer_links(outbox, "un@exemple.fr")
    # "Je ne peux plus venir": a confirmation step, then the seat goes to the next at once.
    page = await client.get(path_of(first_links["Je ne peux plus venir"]))
    assert "ira à la personne suivante" in await page.text()
    form = parse(await page.text())
    assert (await client.post(form.action, data=form.fields)).status == 200
    assert status_of(web_db, first.reference) == "cancelled"
    second_links = offer_links(outbox, "deux@exemple.fr")
    claim = parse(await (await client.get(path_of(second_links["Je prends la place"]))).text())
    # Meanwhile the coach gives the seat to somebody else's booking... here: the second
    # person's offer lapses and the job passes it on to a newcomer on the list.
    third = service.book(web_db, session.id, {**PERSON, "email": "trois@exemple.fr"},
                         consent=True, waitlist_ok=True)
    assert third.status == "waitlisted"
    later = service.booking_by_reference(web_db, second.reference).offer_expires_at
    [passed] = service.pass_expired_offers(web_db, now=later + timedelta(seconds=1))
    assert passed.reference == third.reference
    late = await client.post(claim.action, data=claim.fields)
    text = await late.text()
    assert late.status == 409 and "Place déjà prise" in text and "liste d" in text
    assert status_of(web_db, second.reference) == "waitlisted"
    assert service.booking_by_reference(web_db, third.reference).has_offer


async def test_the_web_app_passes_expired_offers_on(web_db, tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web.app import create_app

    session, seat, [first, second] = full_session_with_queue(
        web_db, ["un@exemple.fr", "deux@exemple.fr"])
    service.cancel(web_db, seat.reference, PERSON["email"])
    with web_db.session() as s:  # the offer ran out a minute ago
        row = s.query(Booking).filter_by(reference=first.reference).one()
        row.offer_expires_at = utcnow() - timedelta(minutes=1)
    app = create_app(rasa_url="http://rasa.test", db=web_db, reminder_interval=0.05)
    async with TestClient(TestServer(app)):
        await eventually(lambda: service.booking_by_reference(web_db, second.reference).has_offer,
                         what="the offer passed to the next person")
    assert service.booking_by_reference(web_db, second.reference).has_offer
    assert not service.booking_by_reference(web_db, first.reference).has_offer
    offer_links(tmp_path / "outbox", "deux@exemple.fr")
