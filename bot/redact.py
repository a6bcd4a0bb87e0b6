"""Personal data out of text we keep for other purposes (logs, training examples).

``mask_email`` keeps a hint for the logs (``z***@e***.fr``); ``mask_personal``
replaces e-mail addresses and phone numbers in free text, phone numbers
confirmed by the phone-number reader the booking form uses (bot/phones.py).
"""
from __future__ import annotations

import re
from typing import Optional

from bot.phones import NO_PHONE, clean_phone

EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[téléphone]"

# Candidates only: each is confirmed by the extractors before being masked.
EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s.\-()/]{6,20}\d(?!\w)")
ADDRESS_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def mask_email(address: Optional[str]) -> str:
    """``zoe.durand@exemple.fr`` → ``z***@e***.fr`` (for logs)."""
    text = str(address or "")
    if "@" not in text:
        return "***" if text else ""
    local, _, domain = text.rpartition("@")
    local = local.strip().strip("<\"' ").split("<")[-1]
    host, dot, tld = domain.strip(" >").rpartition(".")
    if not dot:
        host, tld = tld, ""
    return f"{local[:1]}***@{host[:1]}***{dot}{tld}"


def mask_addresses(text: str) -> str:
    """Every e-mail address in ``text`` masked with ``mask_email`` (log lines)."""
    return ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text or "")


def mask_personal(text: str) -> str:
    """``text`` with its e-mail addresses and phone numbers replaced by
    ``[e-mail]`` and ``[téléphone]``."""
    def email(match: re.Match) -> str:  # anything around an "@" goes, valid or not
        found = match.group(0).rstrip(".!?")
        return EMAIL_MASK + match.group(0)[len(found):]

    def phone(match: re.Match) -> str:
        value = clean_phone(match.group(0))
        return PHONE_MASK if value and value != NO_PHONE else match.group(0)

    text = EMAIL_CANDIDATE.sub(email, text or "")
    return PHONE_CANDIDATE.sub(phone, text)
