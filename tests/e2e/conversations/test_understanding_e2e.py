"""Understanding people as they write, over the REST channel with real servers:
the first questions of docs/first-questions.md, the employee status, starting
over, corrections at the booking recap and answers typed as sentences."""
from __future__ import annotations

import re

import pytest

from bot import settings
from bot.evaluation import answered_topic, faq_answers
from tests.support import chat, payloads, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]

ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*(.+?)\s*\|\s*(@?\w+)\s*\|\s*$")


def first_questions() -> list[tuple[str, str]]:
    lines = (settings.ROOT / "docs" / "first-questions.md").read_text(encoding="utf-8").splitlines()
    return [(m.group(2), m.group(3)) for m in map(ROW.match, lines) if m]


def test_the_list_has_thirty_questions():
    assert len(first_questions()) == 30


def what_was_answered(replies: list[dict]) -> str:
    topic = answered_topic(replies, faq_answers())
    if topic:
        return topic
    said = texts(replies)
    if "Décrivez votre projet" in said or "C'est bien ça ?" in said:
        return "@eligibility"
    if "Où souhaitez-vous assister" in said or "Laquelle vous convient" in said:
        return "@booking"
    return said[:80]


@pytest.mark.parametrize("number", range(30))
def test_each_first_question_is_answered_right(servers, number):
    question, expected = first_questions()[number]
    assert what_was_answered(chat(servers, f"first-{number}", question)) == expected, question


@pytest.mark.parametrize("question", [
    "du coup je serais salariée ? genre avec une fiche de paie ?",
    "est-ce que je suis salarié en CAE ?",
    "on signe un contrat de travail ?",
    "c'est quoi un entrepreneur-salarié ?",
    "quel statut j'ai dans une cae",
])
def test_the_employee_status_questions_of_the_issue(servers, question):
    replies = chat(servers, "status-" + str(abs(hash(question))), question)
    assert answered_topic(replies, faq_answers()) == "employee_status"


def start_booking_up_to_first_name(servers, me: str) -> None:
    assert "Où souhaitez-vous" in texts(chat(servers, me, "je veux m'inscrire à une réunion d'information"))
    sessions = chat(servers, me, "peu importe")
    assert "Laquelle vous convient" in texts(sessions)
    assert "Êtes-vous d'accord" in texts(chat(servers, me, "la 4eme"))
    assert "prénom" in texts(chat(servers, me, "oui"))


def test_answers_in_sentences_and_corrections_at_the_recap(servers):
    me = "understanding-booking"
    start_booking_up_to_first_name(servers, me)
    # Both names at the first-name question: both filled, said back.
    both = texts(chat(servers, me, "Nadia Benali"))
    assert "Nadia comme prénom et Benali comme nom" in both and "e-mail" in both
    # An e-mail inside a sentence.
    assert "téléphone" in texts(chat(servers, me, "oups c'est nadia.benali@exemple.fr"))
    recap = texts(chat(servers, me, "non"))
    assert "Je récapitule" in recap and "Nadia Benali" in recap
    assert "Benali Benali" not in recap
    # A correction changes that field and shows the recap again.
    corrected = texts(chat(servers, me, "non c'est pas bon, mon prénom c'est juste Nadine"))
    assert "C'est corrigé" in corrected and "Je récapitule" in corrected
    assert "Nadine Benali" in corrected and "nadia.benali@exemple.fr" in corrected
    # A wrong e-mail is asked again, then the recap comes back with the rest kept.
    assert "adresse e-mail" in texts(chat(servers, me, "l'e-mail est faux"))
    recap = texts(chat(servers, me, "nadine.benali@exemple.fr"))
    assert "Je récapitule" in recap and "nadine.benali@exemple.fr" in recap and "Nadine" in recap
    # A plain "no" asks what to correct; "annuler" abandons and says nothing is kept.
    assert "Que faut-il corriger" in texts(chat(servers, me, "non"))
    assert "Rien n'a été enregistré" in texts(chat(servers, me, "annuler"))


@pytest.mark.parametrize("typed", ["/restart", "on peut recommencer à zéro ?", "on reprend à zéro"])
def test_restart_resets_the_form_and_the_personal_slots(servers, typed):
    me = "restart-" + re.sub(r"[^a-z]", "", typed)
    start_booking_up_to_first_name(servers, me)
    assert "nom de famille" in texts(chat(servers, me, "Nadia"))
    reply = chat(servers, me, typed)
    assert "on reprend à zéro" in texts(reply)
    assert "/book_session" in payloads(reply)
    # The booking form is gone and the first name forgotten: booking starts anew.
    again = texts(chat(servers, me, "je veux m'inscrire à une réunion d'information"))
    assert "Où souhaitez-vous" in again
    chat(servers, me, "peu importe")
    chat(servers, me, "la 1ère")
    assert "prénom" in texts(chat(servers, me, "oui"))


@pytest.mark.parametrize("number,message", enumerate([
    "Bonjour, je suis graphiste au chômage depuis 3 mois, j'ai quelques clients et je "
    "voudrais rejoindre une CAE, c'est possible pour moi ?",
    "je suis prof de piano, je donne des cours chez les gens et je voudrais entrer dans une "
    "coopérative d'activité pour être déclarée, mon activité est acceptée ?",
    "Bonjour, ancienne comptable, je me lance comme coach sportive et j'aimerais intégrer "
    "une coopérative, est-ce que mon projet peut y entrer ?",
]))
def test_a_long_first_message_asking_to_join_starts_the_project_check(servers, number, message):
    assert what_was_answered(chat(servers, f"join-{number}", message)) == "@eligibility"


@pytest.mark.parametrize("number,message,topics", [
    (0, "c'est quoi un CAPE et combien ça coûte ?", ["cape_what", "contribution_rate"]),
    (1, "je touche l'ARE, je la garde ? et ça coûte combien ?", ["are_during_cape", "contribution_rate"]),
    (2, "Qui facture mes clients ? Et est-ce que je suis assurée en responsabilité civile pro ?",
     ["invoicing", "insurance"]),
])
def test_several_questions_in_one_message_are_each_answered_in_order(servers, number, message, topics):
    from bot.evaluation import answered_topics

    assert answered_topics(chat(servers, f"several-{number}", message), faq_answers()) == topics


@pytest.mark.parametrize("message,topic", [
    ("quelle est la différence entre CAPE et CESA ?", "cesa_what"),
    ("la réunion d'info c'est obligatoire ? ça se passe comment ?", "information_meeting"),
])
def test_one_question_with_an_et_or_two_sentences_gets_one_answer(servers, message, topic):
    from bot.evaluation import answered_topics

    assert answered_topics(chat(servers, "one-" + str(abs(hash(message))), message), faq_answers()) == [topic]


@pytest.mark.parametrize("number,message,understood", [
    (0, "je suis community manager pour des médecins, c possible chez vous ?", "médecins"),
    (1, "je fais de la photo pour des agences immobilières, c'est possible chez vous ?", "photograph"),
    (2, "je suis développeuse web pour des avocats, vous m'acceptez ?", "avocat"),
    (3, "prof de guitare à domicile, c jouable chez vous ?", "professeur"),
])
def test_a_short_first_message_describing_the_activity_starts_the_check_with_it(servers, number, message,
                                                                                 understood):
    said = texts(chat(servers, f"describe-{number}", message))
    assert "C'est bien ça ?" in said and "Décrivez votre projet" not in said, said
    assert understood in said.lower(), said


def test_the_handoff_carries_the_last_question_and_what_was_understood(servers):
    from bot.handoff import context_lines
    from bot.storage.models import HandoffRequest
    from tests.support import stored_rows

    me = "handoff-context"
    chat(servers, me, "c'est quoi un CAPE ?")
    assert "C'est bien ça ?" in texts(chat(servers, me, "je suis community manager pour des médecins, "
                                                       "c possible chez vous ?"))
    assert "situation" in texts(chat(servers, me, "oui"))
    assert "laissez votre e-mail" in texts(chat(servers, me, "je préfère parler à un conseiller"))
    done = chat(servers, me, "non")
    assert "/book_session" in payloads(done)
    [row] = stored_rows(servers, HandoffRequest, me)
    assert row.reason == "je suis community manager pour des médecins, c possible chez vous ?"
    lines = context_lines(row.context)
    assert "Dernier sujet : Qu'est-ce que le CAPE ?" in lines
    assert any(line.startswith("Projet : ") and "médecins" in line for line in lines), lines
    assert "A demandé une personne pendant la vérification de son projet" in lines


def test_a_person_who_booked_is_offered_their_address_at_the_handoff(servers):
    from bot.handoff import context_lines
    from bot.storage.models import HandoffRequest
    from tests.support import stored_rows

    me = "handoff-booked"
    start_booking_up_to_first_name(servers, me)
    chat(servers, me, "Nadia Benali")
    chat(servers, me, "nadia.benali@exemple.fr")
    assert "Je récapitule" in texts(chat(servers, me, "non"))
    assert "/book_session" not in payloads(chat(servers, me, "oui"))
    offer = chat(servers, me, "je voudrais parler à quelqu'un")
    assert "n***@e***.fr" in texts(offer) and "oui" in payloads(offer)
    done = chat(servers, me, "oui")
    assert "vous recontacter" in texts(done) and "/book_session" not in payloads(done)
    [row] = stored_rows(servers, HandoffRequest, me)
    assert (row.email, row.name) == ("nadia.benali@exemple.fr", "Nadia Benali")
    assert any(line.startswith("Inscrit à une réunion d'information") for line in context_lines(row.context))


@pytest.mark.parametrize("start,asked_again", [
    ("vérifier mon projet", "Décrivez votre projet"),
    ("je veux m'inscrire à une réunion d'information", "Où souhaitez-vous"),
])
def test_several_questions_in_the_middle_of_a_form_are_answered_then_the_form_asks_again(servers, start,
                                                                                         asked_again):
    from bot.evaluation import answered_topics

    me = "several-in-form-" + re.sub(r"[^a-z]", "", start)[:20]
    assert asked_again in texts(chat(servers, me, start))
    replies = chat(servers, me, "c'est quoi un CAPE et combien ça coûte ?")
    assert answered_topics(replies, faq_answers()) == ["cape_what", "contribution_rate"]
    assert asked_again in texts(replies)
