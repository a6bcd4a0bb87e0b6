"""Booking an information session over the REST channel, real servers: book,
get the .ics, cancel, book again; bad input on the way."""
from __future__ import annotations

import re
import urllib.request

import pytest

from bot.storage.models import HandoffRequest
from tests.support import chat, payloads, stored_rows, texts, tracker

pytestmark = [pytest.mark.model, pytest.mark.servers]


def book(servers, me: str, email: str, first: str = "Léa", last: str = "Martin") -> str:
    """The whole booking conversation; returns the bot's last reply."""
    where = chat(servers, me, "je veux m'inscrire à une réunion d'information")
    assert "Où souhaitez-vous" in texts(where)
    assert "En visio" in payloads(where)
    sessions = chat(servers, me, "en visio")
    assert "Laquelle vous convient" in texts(sessions)
    choice = payloads(sessions)[0]
    assert choice.startswith("/choose_session")
    assert "Êtes-vous d'accord" in texts(chat(servers, me, choice))
    assert "prénom" in texts(chat(servers, me, "oui"))
    assert "nom de famille" in texts(chat(servers, me, first))
    assert "e-mail" in texts(chat(servers, me, last))
    assert "ne semble pas valide" in texts(chat(servers, me, "lea.martin@"))
    assert "téléphone" in texts(chat(servers, me, email))
    recap = texts(chat(servers, me, "non"))
    assert "Je récapitule" in recap and email in recap and f"{first} {last}" in recap
    return texts(chat(servers, me, "oui"))


def test_book_get_calendar_cancel_and_book_again(servers):
    me = "booking-e2e"
    confirmed = book(servers, me, "lea.martin@exemple.fr")
    assert "C'est confirmé" in confirmed
    reference = re.search(r"RI-[2-9A-Z]{6}", confirmed).group(0)
    link = re.search(r"http://\S+\.ics\?t=\w+", confirmed).group(0)
    with urllib.request.urlopen(link, timeout=10) as reply:
        assert reply.headers.get_content_type() == "text/calendar"
        assert reference in reply.read().decode()
    assert any(servers.outbox.glob("*.eml")), "no confirmation e-mail in the outbox"

    # The reference is known in this conversation: only the e-mail is asked, as proof.
    assert "e-mail" in texts(chat(servers, me, "annuler mon inscription"))
    wrong = texts(chat(servers, me, "autre@exemple.fr"))
    assert "Je ne trouve pas d'inscription" in wrong and "référence" in wrong
    assert "Je n'ai pas reconnu la référence" in texts(chat(servers, me, "euh je sais plus"))
    assert "e-mail" in texts(chat(servers, me, reference))
    assert "Voulez-vous vraiment annuler" in texts(chat(servers, me, "lea.martin@exemple.fr"))
    assert "est annulée" in texts(chat(servers, me, "oui"))

    again = book(servers, me, "lea.martin@exemple.fr")
    assert "C'est confirmé" in again
    assert re.search(r"RI-[2-9A-Z]{6}", again).group(0) != reference


def test_wrong_reference_and_stop(servers):
    me = "booking-e2e-wrong"
    chat(servers, me, "annuler mon inscription")
    chat(servers, me, "RI-ZZZZZZ")
    reply = texts(chat(servers, me, "personne@exemple.fr"))
    assert "Je ne trouve pas d'inscription" in reply
    assert "Rien n'a été enregistré" in texts(chat(servers, me, "stop"))


def test_refusing_consent_books_nothing(servers):
    me = "booking-e2e-noconsent"
    sessions = chat(servers, me, "je veux m'inscrire à une réunion d'information à Lyon")
    assert "Laquelle vous convient" in texts(sessions)
    buttons = [b for r in sessions for b in r.get("buttons") or []]
    assert buttons, "the sessions come as buttons"
    assert all("Lyon" in b["title"] for b in buttons)
    assert "Êtes-vous d'accord" in texts(chat(servers, me, payloads(sessions)[-1]))
    reply = texts(chat(servers, me, "non"))
    assert "je ne garde aucune donnée" in reply
    assert "prénom" not in reply


def test_any_place_then_a_button(servers):
    me = "booking-e2e-anywhere"
    chat(servers, me, "je veux m'inscrire à une réunion d'information")
    sessions = chat(servers, me, "peu importe")
    assert len(payloads(sessions)) >= 3
    assert "Êtes-vous d'accord" in texts(chat(servers, me, payloads(sessions)[-1]))


def test_handoff_request_reaches_the_inbox(servers):
    me = "handoff-e2e"
    assert "laissez votre e-mail" in texts(chat(servers, me, "je veux parler à un conseiller"))
    assert "ne pourra pas vous recontacter" in texts(chat(servers, me, "non"))
    rows = stored_rows(servers, HandoffRequest, me)
    assert len(rows) == 1 and rows[0].email is None


def test_a_buttons_title_typed_word_for_word_is_the_click(servers):
    """Every button works typed: the title of one of the last message's buttons,
    typed as it reads (here a session's date), does what the click does."""
    me = "booking-e2e-typed-title"
    sessions = chat(servers, me, "je veux m'inscrire à une réunion d'information en visio")
    buttons = [b for r in sessions for b in r.get("buttons") or [] if b["payload"].startswith("/choose_session")]
    assert buttons, "the sessions come as buttons"
    typed = buttons[-1]["title"].upper()  # the last one: not "the soonest" by chance
    assert "Êtes-vous d'accord" in texts(chat(servers, me, typed))
    reply = texts(chat(servers, me, "non"))
    assert "je ne garde aucune donnée" in reply
    [user] = [e for e in tracker(servers, me)["events"] if e.get("event") == "user" and e.get("text") == typed]
    assert user["parse_data"]["intent"]["name"] == "choose_session"  # understood as the click, shown as typed
