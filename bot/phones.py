"""Phone numbers as people type them: ``06 12 34 56 78`` → ``+33 6 12 34 56 78``.

Shared by the booking form (bot/booking/dialogue.py), the hand-off to a
person (bot/handoff.py) and the masking of personal data (bot/redact.py).
"""
from __future__ import annotations

import re
from typing import Optional

from bot.text import fold_words

NO_PHONE_WORDS = {"non", "non merci", "pas de telephone", "pas de numero", "aucun", "je prefere pas",
                  "je prefere ne pas", "passer", "nan", "pas besoin", "non pas de telephone", "-"}
NO_PHONE = "-"


def clean_phone(text: str) -> Optional[str]:
    """A French or international phone number in ``+33 6 12 34 56 78`` form,
    ``NO_PHONE`` when the person gives none, or None when it is not a number."""
    value = (text or "").strip()
    if fold_words(value).strip(" .!") in NO_PHONE_WORDS:
        return NO_PHONE
    digits = re.sub(r"[\s.\-()/]", "", value)
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    elif re.fullmatch(r"0033[1-9]\d{8}", digits):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\+33[1-9]\d{8}", digits):
        rest = digits[3:]
        return "+33 " + rest[0] + " " + " ".join(rest[i:i + 2] for i in range(1, 9, 2))
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return digits
    return None
