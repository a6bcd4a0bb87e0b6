"""CAE profiles end to end over REST (metadata {"cae": …}): the same questions
get each CAE's own answer, and a hedged general answer in network mode."""
from __future__ import annotations

import pytest

from bot.storage.models import Cae, HandoffRequest
from tests.support import chat, payloads, stored_rows, texts, tracker

pytestmark = [pytest.mark.model, pytest.mark.servers]

NORMANDIE, LYON = "coop-normandie", "coop-lyon"


def slot(servers, sender: str, name: str):
    return tracker(servers, sender)["slots"].get(name)


def eligibility_verdict(servers, sender: str, cae: str | None) -> str:
    confirm = texts(chat(servers, sender, "mon activité d'hébergement web est-elle acceptée ?", cae))
    assert "C'est bien ça ?" in confirm, confirm
    for answer in ("oui", "je suis au chômage", "non", "non"):
        chat(servers, sender, answer, cae)
    return texts(chat(servers, sender, "non", cae))


def test_contribution_two_caes_and_network_mode(servers):
    normandie = texts(chat(servers, "cae-contrib-n", "combien prend la coopérative ?", NORMANDIE))
    lyon = texts(chat(servers, "cae-contrib-l", "combien prend la coopérative ?", LYON))
    network = chat(servers, "cae-contrib-0", "combien prend la coopérative ?")
    assert "Chez Coopérative d'activité Normandie" in normandie and "11 % de votre marge brute" in normandie
    assert "Chez Coopérative d'activité Lyon" in lyon and "10 % de votre chiffre d'affaires" in lyon
    assert "11 % de votre marge brute" not in lyon
    general = texts(network)
    assert "entre 8 et 15 % de la marge brute" in general and "septembre 2020" in general
    assert "Chez Coopérative" not in general
    assert "Quelle CAE près de chez vous ?" in general and "/find_cae" in payloads(network)
    assert slot(servers, "cae-contrib-n", "cae") == NORMANDIE
    assert slot(servers, "cae-contrib-0", "cae") is None


def test_hiring_two_caes_and_network_mode(servers):
    normandie = texts(chat(servers, "cae-hire-n", "je peux embaucher ?", NORMANDIE))
    lyon = texts(chat(servers, "cae-hire-l", "je peux embaucher ?", LYON))
    general = texts(chat(servers, "cae-hire-0", "je peux embaucher ?"))
    assert "vous ne pouvez pas embaucher vous-même" in normandie
    assert "vous pouvez recruter un salarié" in lyon
    assert "Selon Scop276 (rapport 2019)" in general  # whose rule it is


def test_web_hosting_two_caes_and_network_mode(servers):
    normandie = eligibility_verdict(servers, "cae-host-n", NORMANDIE)
    lyon = eligibility_verdict(servers, "cae-host-l", LYON)
    general = eligibility_verdict(servers, "cae-host-0", None)
    assert "Coopérative d'activité Normandie n'accueille pas cette activité" in normandie
    assert "son assureur (contrat de groupe RC Pro) ne le couvre pas" in normandie
    assert "Coopérative d'activité Lyon" in normandie  # another CAE that may host it
    assert "n'accueille pas" not in lyon and "étudié" in lyon
    assert "Scop276" in general and "pas une règle de toutes les CAE" in general
    assert "Coopérative d'activité Lyon" in general  # network mode: CAEs that do not exclude it


def test_unknown_cae_is_network_mode(servers):
    replies = texts(chat(servers, "cae-unknown", "combien prend la coopérative ?", "n-existe-pas"))
    assert "entre 8 et 15 % de la marge brute" in replies and "Chez Coopérative" not in replies
    assert slot(servers, "cae-unknown", "cae") is None


def test_network_mode_finds_caes_by_place_and_specialism(servers):
    building = texts(chat(servers, "cae-find-1", "une CAE bâtiment dans le 69 ?"))
    assert "Coopérative du bâtiment Rhône (bâtiment)" in building
    assert "Normandie" not in building
    none = texts(chat(servers, "cae-find-2", "y a-t-il une CAE dans le 13 ?"))
    assert "Je ne connais pas de CAE dans le 13" in none
    normandie = texts(chat(servers, "cae-find-4", "il y a une CAE en Normandie ?"))
    assert "en Normandie" in normandie and "Coopérative d'activité Normandie" in normandie
    assert "Lyon" not in normandie
    rhone = texts(chat(servers, "cae-find-5", "je cherche une coopérative dans le Rhône"))
    assert "dans le 69 (Rhône)" in rhone and "Lyon" in rhone and "Normandie" not in rhone


def test_handoff_goes_to_the_conversations_cae(servers):
    me = "cae-handoff"
    chat(servers, me, "bonjour", LYON)
    chat(servers, me, "je veux parler à un conseiller", LYON)
    chat(servers, me, "non", LYON)
    [request] = stored_rows(servers, HandoffRequest, me)
    from bot.storage.db import Database
    db = Database(servers.database_url)
    try:
        with db.reader() as s:
            assert s.get(Cae, request.cae_id).slug == LYON
    finally:
        db.dispose()


def test_a_found_caes_button_offers_its_sessions_and_own_cae_first(servers):
    found = chat(servers, "cae-find-3", "une CAE à Rouen ?")
    [button] = [b for r in found for b in r.get("buttons") or []]
    sessions = texts(chat(servers, "cae-find-3", button["payload"]))
    assert "Voici les prochaines réunions (à Rouen)" in sessions
    # With the conversation's CAE known and "peu importe", its sessions come first.
    me = "cae-book-own"
    chat(servers, me, "je veux m'inscrire à une réunion d'information", LYON)
    replies = chat(servers, me, "peu importe", LYON)
    titles = [b["title"] for r in replies for b in r.get("buttons") or []]
    assert titles and "Lyon" in titles[0], titles
    assert "Voici les prochaines réunions de votre CAE (partout)" in texts(replies)
    # Only its sessions: other CAEs' ones are offered when the person asks for a
    # place where their CAE has none.
    assert not any("Rouen" in t or "Paris" in t for t in titles), titles
    me = "cae-book-elsewhere"
    chat(servers, me, "je veux m'inscrire à une réunion d'information", LYON)
    replies = chat(servers, me, "à Rouen", LYON)
    assert "Votre CAE n'a pas de réunion prévue (à Rouen)" in texts(replies)
    titles = [b["title"] for r in replies for b in r.get("buttons") or []]
    assert titles and all("Rouen" in t for t in titles), titles


def test_handoff_says_when_the_cae_answers_and_emails_its_coaches(servers):
    """Issue 22, item 2, over REST: what the chat says follows coop-lyon's hours at
    this moment (computed here from the same profile), "ici" is accepted typed,
    the request is e-mailed once to the CAE's address without the person's
    contact; a CAE without hours promises no time."""
    import json
    from email import message_from_bytes, policy

    from bot.booking.service import now_utc
    from bot.caes.hours import availability
    from bot.caes.profiles import load_dir

    hours = load_dir()[LYON].hours
    me = "cae-hours"
    before = availability(hours, now_utc())
    asked = chat(servers, me, "je veux parler à un conseiller", LYON)
    if availability(hours, now_utc()) != before:
        pytest.skip("the CAE opened or closed during the test")
    said = texts(asked)
    if before.open:
        assert "Pour qu'il vous recontacte, laissez votre e-mail ou votre téléphone" in said
    else:
        assert f"Nous sommes fermés pour le moment : un conseiller vous répondra {before.reply_when}." in said
        assert payloads(asked) == ["ici", "non"]
    # Not understood: the question again, without saying a second time when someone replies.
    again = texts(chat(servers, me, "je sais pas", LYON))
    assert "Je n'ai pas reconnu d'adresse e-mail ni de numéro" in again and "Nous sommes fermés" not in again
    done = texts(chat(servers, me, "répondez-moi ici", LYON))
    assert "dans cette conversation" in done, done
    [request] = stored_rows(servers, HandoffRequest, me)
    context = json.loads(request.context)
    assert context["reply"] == "here" and request.email is None and request.phone is None
    assert ("outside_hours" in context) is (not before.open)
    link = f"/coach/handoffs#demande-{request.id}"
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in servers.outbox.glob("*.eml")]
    mine = [m for m in mails if link in m.get_body(("plain",)).get_content()]
    assert [m["To"] for m in mine] == ["equipe@coop-lyon.example.org"]

    # A CAE whose profile gives no hours: no time promised.
    unknown = texts(chat(servers, "cae-hours-none", "je veux parler à un conseiller", "coop-batir-rhone"))
    assert "je ne peux pas vous dire quand elle vous répondra" in unknown


def test_what_are_your_hours(servers):
    lyon = texts(chat(servers, "cae-hours-ask", "quels sont vos horaires ?", LYON))
    assert "Horaires de Coopérative d'activité Lyon : du mardi au vendredi de 10 h à 13 h et de 14 h à 18 h" in lyon
    assert "en ce moment" in lyon
    network = texts(chat(servers, "cae-hours-ask-0", "vous êtes ouverts quand ?"))
    assert "Je ne connais pas les horaires d'ouverture de votre CAE" in network
    # The working hours of an entrepreneur stay a FAQ question.
    cesa = texts(chat(servers, "cae-hours-cesa", "je pourrai choisir mes horaires en tant qu'entrepreneur salarié ?", LYON))
    assert "horaire minimum" in cesa and "Horaires de" not in cesa
