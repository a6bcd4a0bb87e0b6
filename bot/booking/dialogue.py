"""The booking conversation's plain-Python side (no Rasa import).

Reading where the person wants to go, which offered session they chose (a
button, a number or a date typed), names, phone numbers and booking
references; and the French texts and buttons the actions send.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional, Sequence

from bot.booking import errors
from bot.booking.links import manage_url
from bot.booking.records import SessionInfo
from bot.booking.service import fold, normalize_email, normalize_reference
from bot.booking.texts import format_where
from bot.dates import PARIS, WEEKDAY_NAMES, format_short, format_when
from bot.phones import NO_PHONE, NO_PHONE_WORDS, clean_phone  # noqa: F401  (re-exported)

ANYWHERE = "partout"
VIDEO = "visio"
# How many sessions are offered as buttons at once.
MAX_OFFERED = 6
MAX_NAME_LENGTH = 100

ANYWHERE_WORDS = {"partout", "peu importe", "n importe ou", "nimporte ou", "toutes", "tout",
                  "toutes les dates", "indifferent", "pas de preference", "ca m est egal"}
VIDEO_PATTERN = re.compile(r"\b(visio\w*|video\w*|en ligne|distance|zoom|teams|internet|webinaire)\b")


@dataclass(frozen=True)
class Where:
    """What the person said about the place: a filter for ``upcoming_sessions``."""

    query: Optional[str]  # None: anywhere
    label: str  # French, for messages: "en visio", "à Rouen", "dans le 76"


def parse_where(text: str) -> Optional[Where]:
    """A place filter from free text, or None when the text says nothing usable."""
    cleaned = fold(text).strip(" .!?")
    if not cleaned:
        return None
    if cleaned in ANYWHERE_WORDS:
        return Where(None, "partout")
    if VIDEO_PATTERN.search(cleaned):
        return Where(VIDEO, "en visio")
    code = re.search(r"\b(\d{5}|\d{2}|2[ab]|97\d)\b", cleaned)
    if code:
        value = code.group(1)
        return Where(value, f"dans le {value.upper()}" if len(value) <= 3 else f"au {value}")
    words = re.sub(r"^(a|au|aux|sur|vers|pres de|dans le|dans la|du cote de|region|ville de)\s+",
                   "", cleaned)
    if not any(ch.isalpha() for ch in words) or len(words) > 60:
        return None
    return Where(words, f"à {words.title()}")


def where_in_sentence(text: str, cities: Sequence[str]) -> Optional[str]:
    """A place named inside a longer request ("... une réunion à Rouen", "en visio"),
    among the cities that have sessions; None when there is none."""
    cleaned = f" {fold(text)} "
    if VIDEO_PATTERN.search(cleaned):
        return VIDEO
    for city in cities:
        if city and f" {fold(city)} " in cleaned:
            return fold(city)
    code = re.search(r"\b(?:dans le|departement|dept)\s+(\d{2}|2[ab]|97\d)\b", cleaned)
    return code.group(1) if code else None


def where_from_slot(value: Optional[str]) -> Optional[Where]:
    """The slot keeps the query (or ``partout``)."""
    if not value:
        return None
    if value == ANYWHERE:
        return Where(None, "partout")
    return parse_where(value)


def session_title(session: SessionInfo) -> str:
    """Short button title: ``mar. 3 déc. 14 h – Rouen`` plus (complet) when full."""
    where = "visio" if session.is_video else (session.city or session.place_name or "")
    title = f"{format_short(session.starts_at)} – {where}"
    if session.is_full:
        title += " (complet, liste d'attente)"
    return title


def session_payload(session_id: int) -> str:
    return "/choose_session" + json.dumps({"session_id": str(session_id)})


def session_buttons(sessions: Sequence[SessionInfo]) -> list[dict[str, str]]:
    return [{"title": session_title(s), "payload": session_payload(s.id)}
            for s in sessions[:MAX_OFFERED]]


def choose_session(text: str, offered: Sequence[int], sessions: Sequence[SessionInfo],
                   now: Optional[datetime] = None) -> Optional[int]:
    """The session id the person picked by typing: its rank in the list ("2",
    "la deuxième"), "liste d'attente" (the one full session offered), "n'importe
    laquelle" (the soonest), a part of the day ("plutôt en fin de journée": the
    soonest that fits), its weekday ("celle de vendredi 18h"), or a date typed
    ("le 12", "12/01", "jeudi prochain", "le 12 décembre", read by ``typed_date``)
    that matches one session. (A button click carries the id itself.)"""
    value = fold(text).strip(" .!?")
    if not value:
        return None
    ranks = {"premiere": 1, "premier": 1, "1ere": 1, "1er": 1, "deuxieme": 2, "seconde": 2,
             "second": 2, "2e": 2, "troisieme": 3, "3e": 3, "quatrieme": 4, "4e": 4,
             "cinquieme": 5, "5e": 5, "sixieme": 6, "6e": 6, "derniere": len(offered)}
    for word, rank in ranks.items():
        if re.search(rf"\b{word}\b", value) and 1 <= rank <= len(offered):
            return offered[rank - 1]
    typed_rank = re.search(r"\b(\d)\s*(?:e|eme|er|ere|ieme|nd|nde)\b", value)
    if typed_rank and 1 <= int(typed_rank.group(1)) <= len(offered):  # "la 4eme", "la 2nde"
        return offered[int(typed_rank.group(1)) - 1]
    if re.fullmatch(r"\d", value) and 1 <= int(value) <= len(offered):
        return offered[int(value) - 1]
    by_id = {s.id: s for s in sessions}
    candidates = [by_id[i] for i in offered if i in by_id]
    if WAITLIST_WORDS.search(value):  # "liste d'attente": the one full session offered
        full = [s.id for s in candidates if s.is_full]
        return full[0] if len(full) == 1 else None
    if ANY_WORDS.search(value) and candidates:  # "n'importe laquelle": the soonest
        return min(candidates, key=lambda s: s.starts_at).id
    by_part = _by_part_of_day(value, candidates)
    if by_part is not None:
        return by_part
    by_weekday = _by_weekday_and_hour(value, candidates)
    if by_weekday is not None:
        return by_weekday
    typed = typed_date(text, now)
    if typed is None:
        return None
    day, full = typed
    matching = [s.id for s in candidates
                if (s.starts_at.astimezone(PARIS).date() == day if full
                    else s.starts_at.astimezone(PARIS).day == day.day)]
    return matching[0] if len(matching) == 1 else None


# Words of a typed date that dateparser reads; everything else of the sentence
# ("je préfère", "plutôt celle du") is left out, since dateparser takes some
# French words for dates ("je" for jeudi).
_MONTHS = {"janvier", "janv", "fevrier", "fevr", "fev", "mars", "avril", "avr", "mai", "juin",
           "juillet", "juil", "aout", "septembre", "sept", "octobre", "oct", "novembre", "nov",
           "decembre", "dec"}
_WEEKDAY_WORDS = set(WEEKDAY_NAMES)
_RELATIVE = {"aujourd'hui", "aujourd’hui", "demain", "après-demain", "apres-demain"}
_HOURS = re.compile(r"\b\d{1,2}\s*(?:h|heures?)\s*\d{0,2}\b", re.IGNORECASE)
_DATE_TOKEN = re.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|[^\W\d_][\w'’-]*|\d{1,2}(?:er)?\b")
DATE_SETTINGS = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
                 "RETURN_AS_TIMEZONE_AWARE": False}


def typed_date(text: str, now: Optional[datetime] = None) -> Optional[tuple[date, bool]]:
    """The date of a typed answer, read by ``dateparser`` (French, day before
    month, the next such date from ``now``, Paris time): ``(date, True)`` when
    the text fixes the day ("12/01", "le 12 décembre", "jeudi prochain",
    "demain"), ``(date, False)`` when it gives only a day of the month ("le 12");
    None when there is no date. Hours ("18h") are left out."""
    import dateparser  # ~0.2 s to import: only when someone types a date

    kept, full, day_number = [], False, False
    for token in _DATE_TOKEN.findall(_HOURS.sub(" ", (text or "").lower())[:200]):
        folded = fold(token)
        if "/" in token or folded in _MONTHS or folded.rstrip(".") in _MONTHS:
            kept.append(token)
            full = True
        elif folded in _WEEKDAY_WORDS or token in _RELATIVE:
            kept.append(token)
            full = True
        elif re.fullmatch(r"\d{1,2}(?:er)?", token):
            kept.append(token.replace("er", ""))
            day_number = True
    if not kept or not (full or day_number):
        return None
    base = (now or datetime.now(PARIS)).astimezone(PARIS).replace(tzinfo=None)
    parsed = dateparser.parse(" ".join(kept), languages=["fr"],
                              settings={**DATE_SETTINGS, "RELATIVE_BASE": base})
    if parsed is None:
        return None
    return parsed.date(), full


WEEKDAYS = WEEKDAY_NAMES

WAITLIST_WORDS = re.compile(r"\b(?:liste d'?\s?attente|en attente)\b")
ANY_WORDS = re.compile(r"\b(?:n'?\s?importe (?:laquelle|quelle date|lequel|quand)|peu importe|"
                       r"la plus (?:proche|tot|rapide)|au plus tot|la premiere (?:dispo|possible)|"
                       r"comme vous voulez)\b")
# Parts of the day, on Paris wall-clock hours: [start, end).
PARTS_OF_DAY = ((re.compile(r"\b(?:le )?matin(?:ee)?\b"), 0, 12),
                (re.compile(r"\b(?:l'?\s?)?(?:apres-?\s?midi|aprem)\b"), 12, 17),
                (re.compile(r"\b(?:fin de (?:journee|matinee? ?)|en soiree|le soir|soir|apres le travail)\b"), 17, 24))
# How the answer names them ("Aucune des réunions proposées n'a lieu {part}").
PART_LABELS = {0: "le matin", 12: "l'après-midi", 17: "en fin de journée"}


def part_of_day_named(text: str) -> Optional[str]:
    """The part of the day a typed answer names ("plutôt en fin de journée"), as the
    answer says it; None when it names none or several."""
    value = fold(text or "")
    parts = [start for pattern, start, _ in PARTS_OF_DAY if pattern.search(value)]
    return PART_LABELS[parts[0]] if len(parts) == 1 else None


def _by_part_of_day(value: str, sessions: Sequence[SessionInfo]) -> Optional[int]:
    """"plutôt le matin", "en fin de journée": the soonest session starting in
    that part of the day (narrowed by a weekday when one is named); None when
    no part of the day is named or no session fits."""
    parts = [(start, end) for pattern, start, end in PARTS_OF_DAY if pattern.search(value)]
    if len(parts) != 1:
        return None
    start, end = parts[0]
    matching = [s for s in sessions if start <= s.starts_at.astimezone(PARIS).hour < end]
    days = [i for i, day in enumerate(WEEKDAYS) if re.search(rf"\b{day}\b", value)]
    if len(days) == 1:
        matching = [s for s in matching if s.starts_at.astimezone(PARIS).weekday() == days[0]]
    return min(matching, key=lambda s: s.starts_at).id if matching else None


def _by_weekday_and_hour(value: str, sessions: Sequence[SessionInfo]) -> Optional[int]:
    """The one session on the weekday named ("celle de vendredi"), narrowed by
    the hour when one is given ("vendredi 18h"); None when not exactly one."""
    days = [i for i, day in enumerate(WEEKDAYS) if re.search(rf"\b{day}\b", value)]
    if len(days) != 1:
        return None
    matching = [s for s in sessions if s.starts_at.astimezone(PARIS).weekday() == days[0]]
    hour = re.search(r"\b(\d{1,2})\s*(?:h|heures?)\b", value)
    if hour and len(matching) > 1:
        matching = [s for s in matching
                    if s.starts_at.astimezone(PARIS).hour == int(hour.group(1))]
    return matching[0].id if len(matching) == 1 else None


NAME_PREFIX = re.compile(
    r"^(?:(?:oui|non|ok|pardon|oups|euh|alors)\s*[,!.]?\s+)?"
    r"(?:je m'appelle|je m’appelle|je m appelle|je suis|mon (?:pré)?nom(?: de famille)?"
    r"(?: c'est| c’est| est|\s*:)?|c'est|c’est|moi c'est|moi c’est)?\s*(?:juste|plutôt|plutot)?\s+",
    re.IGNORECASE)
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?$")


def clean_name(text: str) -> Optional[str]:
    """A first or last name as typed ("jean-pierre" -> "Jean-Pierre"), or None."""
    value = re.sub(r"\s+", " ", (text or "").strip())
    value = NAME_PREFIX.sub("", value).strip(" .!")
    if not value or len(value) > MAX_NAME_LENGTH or not NAME_PATTERN.match(value):
        return None
    if value.islower() or value.isupper():
        value = "-".join(" ".join(w.capitalize() for w in part.split(" "))
                         for part in value.split("-"))
    return value


EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\]:;,\"«»]+@[^\s<>()\[\]:;,\"«»]+\.[^\s<>()\[\]:;,\"«»]*[^\s<>()\[\]:;,\"«».!?]")


def clean_email(text: str) -> Optional[str]:
    """The e-mail address of the text, even inside a sentence ("oups c'est
    nadia.benali@exemple.fr"), normalised; None when there is no valid one."""
    text = (text or "").strip()
    found = EMAIL_IN_TEXT.findall(text)
    candidates = found if len(found) == 1 else [text]
    try:
        return normalize_email(candidates[0])
    except errors.BookingError:
        return None


def split_full_name(text: str) -> Optional[tuple[str, str]]:
    """("Nadia", "Benali") when the answer to the first-name question is a
    first and a last name ("Nadia Benali", "je m'appelle Nadia Benali");
    None for one word or a compound first name written with a hyphen."""
    name = clean_name(text)
    if not name:
        return None
    words = name.split(" ")
    if len(words) != 2:
        return None
    return words[0], words[1]


# -- Corrections at the booking recap ---------------------------------------
# "non, mon prénom c'est Nadia", "l'e-mail est faux", "plutôt la séance de mardi":
# the fields to change ({slot: new value}, or {slot: None} to ask it again).
_FIRST = re.compile(r"\bpr[ée]nom\b", re.IGNORECASE)
_LAST = re.compile(r"(?<!pré)(?<!pre)\bnom\b(?:\s+de\s+famille)?", re.IGNORECASE)
_EMAIL = re.compile(r"\b(e-?mail|mail|courriel|adresse)\b", re.IGNORECASE)
_PHONE = re.compile(r"\b(t[ée]l[ée]phone|t[ée]l|num[ée]ro|portable)\b", re.IGNORECASE)
_SESSION = re.compile(r"\b(s[ée]ance|r[ée]union|date|session|jour|heure|créneau|creneau|"
                      r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b", re.IGNORECASE)
_VALUE_AFTER = r"(?:\s+de\s+famille)?\s*(?:c'est|c’est|est|:|=|,)?\s*(?:juste|plutôt|plutot|bien)?\s*(.*)$"


def _value_after(label: re.Pattern, text: str) -> str:
    match = label.search(text)
    if not match:
        return ""
    rest = re.match(_VALUE_AFTER, text[match.end():], re.IGNORECASE)
    return (rest.group(1) if rest else "").strip(" .!?")


def read_correction(text: str, offered: Sequence[int] = (),
                    sessions: Sequence[SessionInfo] = ()) -> dict[str, Optional[str]]:
    """What the person corrects in the recap, or {} when the text names no field."""
    changes: dict[str, Optional[str]] = {}
    if _FIRST.search(text):
        changes["first_name"] = clean_name(_value_after(_FIRST, text))
    elif _LAST.search(text):
        changes["last_name"] = clean_name(_value_after(_LAST, text))
    email = clean_email(text) if "@" in text else None
    if email or _EMAIL.search(text):
        changes["email"] = email
    phone_value = _value_after(_PHONE, text)
    if _PHONE.search(text):
        phone = clean_phone(phone_value) if phone_value else None
        changes["phone"] = phone if phone != NO_PHONE or phone_value else None
    if _SESSION.search(text):
        chosen = choose_session(text, offered, sessions) if offered else None
        changes["booking_session_id"] = str(chosen) if chosen else None
    return changes


def correction_message(changes: dict[str, Optional[str]]) -> str:
    """What the assistant says before asking again (the recap or the field)."""
    labels = {"first_name": "votre prénom", "last_name": "votre nom", "email": "votre e-mail",
              "phone": "votre téléphone", "booking_session_id": "la réunion"}
    done = [labels[k] for k, v in changes.items() if v]
    again = [labels[k] for k, v in changes.items() if not v]
    parts = []
    if done:
        parts.append("C'est corrigé (" + ", ".join(done) + ").")
    if again:
        parts.append("D'accord, reprenons " + ", ".join(again) + ".")
    return " ".join(parts)



def clean_reference(text: str) -> Optional[str]:
    """``RI-7K3P9Q`` from "ri 7k3p9q", "ma référence est RI-7K3P9Q"... or None."""
    for candidate in re.findall(r"\b(?:ri ?)?([0-9a-z]{6})\b", fold(text)):
        try:
            return normalize_reference(candidate)
        except errors.BookingError:
            continue
    return None


CONSENT_NOTICE = (
    "Pour vous inscrire, j'ai besoin de votre prénom, de votre nom, de votre e-mail et, "
    "si vous le souhaitez, de votre téléphone. Ils servent uniquement à gérer votre "
    "inscription (confirmation, rappel, changement) et sont visibles par l'équipe "
    "d'accompagnement de la CAE. Nous les gardons un an au plus après la réunion ; vous "
    "pouvez les consulter ou les supprimer à tout moment en me le demandant. "
    "Êtes-vous d'accord ?"
)


def recap(session: SessionInfo, first_name: str, last_name: str, email: str,
          phone: Optional[str]) -> str:
    lines = [
        "Je récapitule :",
        f"- réunion : {format_when(session.starts_at, session.ends_at)}",
        f"- lieu : {format_where(session)} ({session.cae_name})",
        f"- nom : {first_name} {last_name}",
        f"- e-mail : {email}",
    ]
    if phone and phone != NO_PHONE:
        lines.append(f"- téléphone : {phone}")
    if session.is_full:
        lines.append("La réunion est complète : vous serez sur la liste d'attente et prévenu(e) "
                     "par e-mail si une place se libère.")
    lines.append("Je confirme l'inscription ?")
    return "\n".join(lines)


def booked_message(booking: Any, ics_url: Optional[str]) -> str:
    session = booking.session
    if booking.status == "waitlisted":
        text = (f"C'est noté : vous êtes sur la liste d'attente (position {booking.waitlist_rank}) "
                f"pour la réunion du {format_when(session.starts_at, session.ends_at)}. "
                "Je vous préviendrai par e-mail si une place se libère.")
    else:
        text = (f"C'est confirmé ! Rendez-vous le {format_when(session.starts_at, session.ends_at)}, "
                f"{format_where(session)}.")

    text += (f"\nVotre référence : {booking.reference}. Pour annuler ou changer de date : "
             f"{manage_url(booking.reference)} (ou écrivez-moi avec cette référence).")
    if ics_url and booking.status != "waitlisted":
        text += f"\nAjoutez la réunion à votre agenda : {ics_url}"
    if booking.email:
        text += f"\nUn e-mail de confirmation part à {booking.email}."
    return text


# -- What the booking actions offer (their wording: domain/booking.yml) --------

def own_cae_first(sessions: list, cae: Optional[str]) -> list:
    """The conversation's CAE's sessions first, the others after (stable)."""
    return sorted(sessions, key=lambda s: s.cae_slug != cae) if cae else sessions


def own_cae_only(sessions: list, cae: Optional[str]) -> tuple[list, bool]:
    """With the conversation's CAE known, only its sessions; other CAEs' ones
    only when the person asked for a place or date where it has none (then
    ``True``, said in the text). Network mode: every session."""
    if not cae:
        return sessions, False
    own = [s for s in sessions if s.cae_slug == cae]
    return (own, False) if own else (sessions, bool(sessions))


# The response that introduces the sessions offered, by (whose sessions, all full).
OFFER_RESPONSES = {
    ("any", False): "utter_sessions_offered",
    ("any", True): "utter_sessions_offered_all_full",
    ("own_cae", False): "utter_sessions_offered_own_cae",
    ("own_cae", True): "utter_sessions_offered_own_cae_all_full",
    ("other_caes", False): "utter_sessions_offered_other_caes",
    ("other_caes", True): "utter_sessions_offered_other_caes_all_full",
}


def offer_response(cae: Optional[str], others_only: bool, all_full: bool) -> str:
    """Network mode: any CAE's sessions; with the conversation's CAE, only its
    sessions (said), or other CAEs' ones when it has none there (said)."""
    whose = "other_caes" if others_only else "own_cae" if cae else "any"
    return OFFER_RESPONSES[(whose, all_full)]


def place_buttons(sessions: Sequence[SessionInfo], cae: Optional[str] = None) -> list[dict[str, str]]:
    """Up to five cities with sessions (the conversation's CAE's first), the
    video, and "anywhere": the answers to "where?"."""
    cities: dict[str, str] = {}
    video = False
    for session in own_cae_first(list(sessions), cae):
        if session.is_video:
            video = True
        elif session.city and session.city not in cities:
            cities[session.city] = session.city
    buttons = [{"title": city, "payload": city} for city in list(cities)[:5]]
    if video:
        buttons.append({"title": "En visio", "payload": "En visio"})
    buttons.append({"title": "Peu importe", "payload": "Peu importe"})
    return buttons


def waitlist_button(session_id: Any) -> dict[str, str]:
    """Joins the waiting list of a session that filled while the person was typing."""
    return {"title": "Liste d'attente",
            "payload": '/choose_session{"session_id": "%s", "booking_waitlist": "yes"}' % session_id}
