"""Phone numbers as people type them: ``06 12 34 56 78`` → ``+33 6 12 34 56 78``,
checked by ``phonenumbers`` (Google's libphonenumber data).

Shared by the booking form (bot/booking/dialogue.py), the hand-off to a
person (bot/handoff.py) and the masking of personal data (bot/redact.py).
"""
from __future__ import annotations

import re
from typing import Optional

import phonenumbers

from bot.text import fold_words

NO_PHONE_WORDS = {"non", "non merci", "pas de telephone", "pas de numero", "aucun", "je prefere pas",
                  "je prefere ne pas", "passer", "nan", "pas besoin", "non pas de telephone", "-"}
NO_PHONE = "-"


def clean_phone(text: str) -> Optional[str]:
    """A phone number checked by ``phonenumbers`` (French numbers by default,
    others with their ``+`` prefix) in international form (``+33 6 12 34 56
    78``, ``+44 20 7946 0958``), ``NO_PHONE`` when the person gives none, or
    None when it is not a valid number."""
    value = (text or "").strip()
    if fold_words(value).strip(" .!") in NO_PHONE_WORDS:
        return NO_PHONE
    if len(value) > 40 or not re.fullmatch(r"[\d\s.\-()/+]+", value):
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def looks_like_phone(text: str) -> bool:
    """A number written the way phone numbers are (``0`` or ``+``/``00`` then
    9 to 15 digits), valid or not: what masking must catch even when
    ``clean_phone`` would refuse it (a mistyped number is still personal)."""
    digits = re.sub(r"[\s.\-()/]", "", text or "")
    return bool(re.fullmatch(r"(?:\+|00)[1-9]\d{7,14}|0[1-9]\d{8}", digits))
