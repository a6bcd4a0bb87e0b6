"""French labels for every status and code the coaches read (dashboard, exports).

One place: templates use the ``label`` filter (bot/web/dashboard/common.py), exports call
``label`` directly. An unknown code is shown as is rather than hidden.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Optional

BOOKING = {
    "registered": "Inscrit", "waitlisted": "Liste d'attente", "cancelled": "Inscription annulée",
    "attended": "Présent", "absent": "Absent", "excused": "Excusé",
}
SESSION = {"planned": "Ouverte", "closed": "Inscriptions closes", "cancelled": "Annulée"}
PROGRESS = {"not_started": "Pas commencé", "in_progress": "En cours", "completed": "Terminé",
            "validated": "Validé"}
ELIGIBILITY = {"eligible": "Éligible", "redirect": "Réorientée", "not_eligible": "Non éligible",
               "to_review": "À examiner"}
HANDOFF = {"open": "ouverte", "handled": "traitée"}
CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp"}

INTENTS = {
    "greet": "Salutation", "goodbye": "Au revoir", "thank": "Remerciement", "help": "Demande d'aide",
    "bot_challenge": "Demande si c'est un robot", "out_of_scope": "Hors sujet", "affirm": "Oui",
    "deny": "Non", "dont_know": "Je ne sais pas", "stop": "Arrêter", "ask_topic": "Question (FAQ)",
    "check_eligibility": "Vérifier son éligibilité", "book_session": "S'inscrire à une réunion",
    "choose_session": "Choisir une réunion", "cancel_booking": "Annuler une inscription",
    "change_booking": "Changer de réunion", "human_handoff": "Parler à un conseiller",
    "link_account": "Relier son compte", "where_am_i": "Où en suis-je ?",
    "continue_training": "Continuer la formation", "answer_check": "Réponse à un quiz",
    "objective_done": "Objectif terminé", "break_even_calc": "Calcul du seuil de rentabilité",
    "cash_need_calc": "Calcul du besoin de trésorerie", "my_data": "Mes données",
    "erase_my_data": "Effacer mes données", "inform": "Réponse donnée",
    "nlu_fallback": "Non compris", "faq": "Question (FAQ)", "restart": "Recommencer",
    "find_cae": "Chercher une CAE près de chez soi",
    "cae_hours": "Horaires d'ouverture de la CAE",
}
ACTIONS = {
    "action_fallback_choices": "Propositions « Vouliez-vous dire… »",
    "action_default_fallback": "Message de repli",
    "action_answer_faq": "Réponse FAQ",
}
SLOTS = {
    "faq_topic": "Sujet FAQ", "first_name": "Prénom", "last_name": "Nom", "email": "E-mail",
    "phone": "Téléphone", "city": "Ville", "activity_description": "Activité décrite",
    "activity_label": "Activité retenue", "activity_confirmed": "Activité confirmée",
    "cae": "CAE du site",
}
KINDS: Mapping[str, Mapping[str, str]] = {
    "booking": BOOKING, "session": SESSION, "progress": PROGRESS, "eligibility": ELIGIBILITY,
    "handoff": HANDOFF, "channel": CHANNELS, "intent": INTENTS, "action": ACTIONS, "slot": SLOTS,
}


def label(kind: str, code: Optional[str]) -> str:
    """The French label of ``code`` (one of KINDS); unknown codes come back as is."""
    if code is None:
        return ""
    if kind == "intent" and code.startswith("faq/"):
        return topic_title(code.split("/", 1)[1])
    return KINDS[kind].get(code, code)


def topic_title(topic: str) -> str:
    from bot.faq import topic_titles

    return topic_titles().get(topic, topic)


def intent_choices(intents: list[str]) -> list[tuple[str, str]]:
    """(id, French label) of every intent an example may be saved under, FAQ topics
    by their button title; sorted by label."""
    return sorted(((i, label("intent", i)) for i in intents), key=lambda c: c[1].lower())


def example_choices() -> list[tuple[str, str]]:
    """``intent_choices`` of every known intent, read again only when the domain or
    the knowledge file changes (parsing them costs ~0.4 s)."""
    from bot import domain
    from bot.faq import KNOWLEDGE_FILE

    return list(_example_choices(domain.stamp(), KNOWLEDGE_FILE.stat().st_mtime_ns))


@lru_cache(maxsize=2)
def _example_choices(domain_stamp: tuple, knowledge_mtime: int) -> tuple[tuple[str, str], ...]:
    from bot.training_examples import known_intents

    return tuple(intent_choices(known_intents()))
