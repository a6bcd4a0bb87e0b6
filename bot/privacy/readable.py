"""The personal data export as a person reads it (issue 25, item 7).

``export_data`` (bot/privacy/__init__.py) gathers what a conversation may see;
this module turns the tracker's events into a plain transcript (who wrote,
when, what — a clicked button shown by its title, never the payload) and says
who we are, what we hold and why. The same document is served as JSON (for
machines) and as a printable French HTML page (bot/web/data_export.py,
template ``bot/web/templates/donnees/export.html``). Rasa internals (intent
rankings, token offsets, slot events, Unix timestamps) are left out.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Optional

from bot.dates import PARIS, format_moment
from bot.takeover import ADDRESS_DAYS

WHO_WE_ARE = (
    "L'assistant en ligne des Coopératives d'Activité et d'Emploi (CAE). Ce que vous lui confiez "
    "est gardé par la CAE qui l'utilise ; seule son équipe d'accompagnement le lit."
)
# What we hold and why; the durations come from the retention settings.
PURPOSES = {
    "messages": ("Vos messages et les réponses de l'assistant",
                 "pour vous répondre et pour que l'équipe d'accompagnement puisse reprendre la conversation"),
    "person": ("Vos coordonnées",
               "laissées avec votre accord, pour vous inscrire à une réunion d'information et vous écrire à ce sujet"),
    "bookings": ("Vos inscriptions aux réunions d'information",
                 "pour vous garder une place, vous envoyer la confirmation et les changements"),
    "handoff_requests": ("Vos demandes à parler à une personne",
                         "pour qu'un chargé d'accompagnement vous réponde"),
    "eligibility_outcomes": ("Le résultat de vos vérifications de projet",
                             "gardé sans le texte que vous avez écrit, pour que l'équipe voie où en est votre demande"),
    "messaging_addresses": ("Votre identifiant de messagerie (Telegram ou WhatsApp), chiffré",
                            "pour qu'un conseiller qui reprend la conversation vous écrive aussitôt ; "
                            f"effacé après {ADDRESS_DAYS} jours sans message"),
    "training": ("Votre progression dans le parcours de formation",
                 "pour que votre chargé d'accompagnement vous suive"),
}
YOU, ASSISTANT = "vous", "assistant"
BUTTON = "(choix d'un bouton)"


def _at(timestamp: Optional[float]) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).astimezone(PARIS)


def transcript(rows: Iterable[Mapping[str, Any]], data_of) -> list[dict[str, Any]]:
    """The messages of these tracker rows, in order: ``conversation``, ``at``
    (ISO, Paris time), ``from`` ("vous" or "assistant"), ``text`` and, for the
    assistant, the ``buttons`` it offered (titles). ``data_of(row)`` is the
    event's decoded data."""
    messages: list[dict[str, Any]] = []
    buttons: dict[str, list[dict[str, Any]]] = {}  # last buttons offered, per conversation
    for row in rows:
        kind, conversation = row["type_name"], row["sender_id"]
        data = data_of(row)
        if kind == "bot":
            offered = list((data.get("data") or {}).get("buttons") or [])
            buttons[conversation] = offered
            text = data.get("text") or ""
            if not text and not offered:
                continue
            message = {"conversation": conversation, "at": _at(row["timestamp"]).isoformat(),
                       "from": ASSISTANT, "text": text}
            if offered:
                message["buttons"] = [b.get("title") or "" for b in offered]
            messages.append(message)
        elif kind == "user":
            text = (data.get("text") or "").strip()
            if text.startswith("/"):
                text = next((b.get("title") for b in buttons.get(conversation, [])
                             if (b.get("payload") or "").strip() == text and b.get("title")), BUTTON)
            if text:
                messages.append({"conversation": conversation, "at": _at(row["timestamp"]).isoformat(),
                                 "from": YOU, "text": text})
    return messages


def about(document: Mapping[str, Any], retention: Optional[Any] = None) -> dict[str, Any]:
    """Who we are, and what of theirs we hold and why (only what there is)."""
    held = []
    for key, (what, why) in PURPOSES.items():
        value = document.get(key)
        if key == "training":
            value = (value or {}).get("modules")
        if value:
            held.append({"what": what, "why": why})
    result: dict[str, Any] = {"who": WHO_WE_ARE, "held": held}
    if retention is not None:
        result["kept"] = [
            f"Conversations sans coordonnées : effacées {retention.transcripts} jours après le dernier message.",
            f"Inscriptions annulées : effacées {retention.cancelled_bookings} jours après l'annulation.",
            f"Vos coordonnées et ce qui s'y rattache : effacées après {retention.people} jours sans activité.",
        ]
    return result


def moment(value: Any) -> str:
    """An ISO date (or datetime) as a French date and Paris time, for the page."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return format_moment(value)


def conversations(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages grouped by conversation, in order of their first message."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for message in messages:
        grouped.setdefault(message["conversation"], []).append(message)
    return [{"id": cid, "messages": items} for cid, items in grouped.items()]
