"""Text that starts with ``/`` on public channels is text, not an intent.

Rasa reads a message such as ``/human_handoff{"x": 1}`` as an intent with its
entities, skipping the NLU. On public channels anybody could type that, so a
slash message is accepted as such only when it is the payload of a button the
assistant itself sent in its last turn (the bot messages since the last user
message, read from the tracker store: the same check holds whichever Rasa
server handles the message). Anything else has its leading slashes removed and
goes through the NLU like any other text; the original text is kept in the
message metadata (``original_text``). The one exception is the greeting the
widget sends when it is first opened (``OPENING_PAYLOADS``).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any, Iterable, Optional

logger = logging.getLogger(__name__)

SLASH = "/"
# Payloads a page may send without a button: the widget's welcome when a
# visitor first opens the chat (its ``initPayload``). Harmless: a greeting.
OPENING_PAYLOADS = frozenset({"/greet"})
NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def starts_with_slash(text: Optional[str]) -> bool:
    return bool(text) and text.strip().startswith(SLASH)


def as_plain_text(text: str) -> str:
    """The text without its leading slashes, so Rasa parses it with the NLU."""
    plain = text.strip().lstrip(SLASH).strip()
    # A lone "/" is not an intent for Rasa either; keep it as it was typed.
    return plain or text


def last_bot_buttons(events: Iterable[Any]) -> list[dict]:
    """Buttons of the bot messages sent since the last user message.

    ``events`` are Rasa events (objects or their dict form), oldest first.
    """
    buttons: list[dict] = []
    for event in reversed(list(events)):
        kind = event.get("event") if isinstance(event, dict) else getattr(event, "type_name", None)
        if kind == "user":
            break
        if kind == "bot":
            data = event.get("data") if isinstance(event, dict) else getattr(event, "data", None)
            found = (data or {}).get("buttons") or (data or {}).get("quick_replies") or []
            buttons = [b for b in found if isinstance(b, dict)] + buttons
    return buttons


def payloads(buttons: Iterable[dict]) -> set[str]:
    return {str(b.get("payload", "")).strip() for b in buttons}


def checked_text(text: str, buttons: list[dict]) -> tuple[str, bool]:
    """(text to hand to Rasa, whether it was changed)."""
    if not starts_with_slash(text) or text.strip() in payloads(buttons):
        return text, False
    return as_plain_text(text), True


def numbered_choice(text: str, buttons: list[dict]) -> Optional[str]:
    """Payload of button number N when the person answers "N" (WhatsApp)."""
    match = NUMBER.match(text or "")
    if not match or not buttons:
        return None
    index = int(match.group(1))
    if 1 <= index <= len(buttons):
        return str(buttons[index - 1].get("payload", ""))
    return None


async def tracker_events(app: Any, sender_id: str) -> list:
    """Events of a conversation from the Rasa server's tracker store ([] if none)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # a broken store must not let an injection through
        logger.exception("could not read the tracker of %s", sender_id)
        return []
    return list(tracker.events) if tracker is not None else []


async def guarded_text(app: Any, sender_id: str, text: str) -> tuple[str, dict]:
    """Text to hand to Rasa and metadata to add, for a message typed or clicked."""
    if not starts_with_slash(text) or text.strip() in OPENING_PAYLOADS:
        return text, {}
    buttons = last_bot_buttons(await tracker_events(app, sender_id))
    checked, changed = checked_text(text, buttons)
    if changed:
        logger.info("slash text from %s treated as text", sender_id)
        return checked, {"original_text": text}
    return checked, {}


# -- Every text, once, at the door ------------------------------------------
# C0 and C1 control characters except tab and newline; carriage returns become
# newlines first. Format characters (zero-width joiners, bidi marks) are kept:
# emoji and some scripts need them, and they are shown escaped anyway.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def normalised_text(text: Any) -> str:
    """The text every channel hands on: valid Unicode (a lone surrogate becomes
    U+FFFD), no NUL or other control character but newline and tab, in NFC.
    Anything that is not a string becomes ``""``."""
    if not isinstance(text, str):
        return ""
    text = _SURROGATES.sub(REPLACEMENT, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return unicodedata.normalize("NFC", text)
