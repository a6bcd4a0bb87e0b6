"""What the assistant tells a visitor about their data before and while they
chat: the one-line notice of the welcome message and the facts of the privacy
page (``/confidentialite``), both from the retention settings that the purge
applies (``bot/privacy/purge.py``), so the text can never drift from them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from bot import settings
from bot.privacy.purge import Periods

PRIVACY_PATH = "/confidentialite"


@dataclass(frozen=True)
class RetentionDays:
    """The retention periods, in whole days, as a person reads them."""

    transcripts: int
    cancelled_bookings: int
    people: int

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "RetentionDays":
        periods = Periods.from_env() if env is None else Periods.from_env(env)
        return cls(periods.transcripts.days, periods.cancelled_bookings.days, periods.people.days)


def privacy_page_url(base_url: Optional[str] = None) -> str:
    """Absolute address of the privacy page (links in the chat leave our site)."""
    if base_url is None:
        base_url = settings.public_web_url()
    return base_url.rstrip("/") + PRIVACY_PATH
