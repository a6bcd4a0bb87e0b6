"""A button's title typed instead of clicked means the button.

"Every button's meaning also works when typed": most buttons have typed
equivalents in the training data, but some only make sense right after the
message that offered them ("Liste d'attente" after "la dernière place vient
d'être prise", a session's date). When a person types, word for word (case,
accents and end punctuation aside), the title of one of the buttons of the
assistant's last message, the message is understood as that button's payload.
The Rasa adapter is bot/rasa/questions.py (the parse of every message).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from bot.text import fold_words

MAX_TITLE = 80


def _key(text: str) -> str:
    return fold_words(text).rstrip("!?… ")


def typed_button(text: str, buttons: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The payload of the one button whose title is ``text``; None when none or
    several match, or when the payload is that very text (nothing to change)."""
    key = _key(text)
    if not key or len(key) > MAX_TITLE:
        return None
    payloads = {str(b.get("payload") or "") for b in buttons or ()
                if isinstance(b, Mapping) and _key(str(b.get("title") or "")) == key}
    payloads.discard("")
    if len(payloads) != 1:
        return None
    payload = payloads.pop()
    return None if _key(payload) == key else payload


def last_buttons(events: Iterable[Any]) -> list:
    """The buttons of the assistant's last message (Rasa events, newest last;
    ``BotUttered`` objects or their dicts); [] once the person has written since."""
    for event in reversed(list(events)):
        kind = getattr(event, "type_name", None) or (event.get("event") if isinstance(event, Mapping) else None)
        if kind == "user":
            return []
        if kind == "bot":
            data = getattr(event, "data", None)
            if data is None and isinstance(event, Mapping):
                data = event.get("data")
            return list((data or {}).get("buttons") or [])
    return []
