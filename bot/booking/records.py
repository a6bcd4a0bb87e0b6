"""What the booking service returns: frozen records, never ORM rows.

The service (``service.py``) builds them; the e-mails (``emails.py``,
``texts.py``), the calendar file (``ics.py``), the chat and the web pages read
them. They live here, below all of these, so that none of them imports the
service back.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.dates import format_when
from bot.storage.models import WAITLISTED


@dataclass(frozen=True)
class SessionInfo:
    id: int
    cae_name: str
    cae_slug: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_left: int
    waitlist_count: int
    status: str
    is_video: bool
    video_url: Optional[str] = None
    place_name: Optional[str] = None
    address: Optional[str] = None
    postal_code: Optional[str] = None
    city: Optional[str] = None
    departement: Optional[str] = None

    @property
    def is_full(self) -> bool:
        return self.seats_left <= 0

    def label_fr(self) -> str:
        """``mardi 3 décembre 2024 de 14 h à 16 h – Rouen (CAE Normandie)``."""
        where = "en visio" if self.is_video else (self.city or self.place_name or "")
        return f"{format_when(self.starts_at, self.ends_at)} – {where} ({self.cae_name})"

    def as_dict(self) -> Dict[str, Any]:
        return jsonable(asdict(self))


@dataclass(frozen=True)
class BookingInfo:
    reference: str
    status: str
    first_name: str
    email: Optional[str]
    session: SessionInfo
    waitlist_rank: Optional[int] = None  # 1 = next to get a seat
    sequence: int = 0
    created_at: Optional[datetime] = None
    promoted_at: Optional[datetime] = None
    offered_at: Optional[datetime] = None  # a seat is held for this waitlisted booking
    offer_expires_at: Optional[datetime] = None

    @property
    def has_offer(self) -> bool:
        return self.status == WAITLISTED and self.offered_at is not None

    def as_dict(self) -> Dict[str, Any]:
        return jsonable(asdict(self))


@dataclass(frozen=True)
class ClaimResult:
    booking: BookingInfo
    claimed: bool  # False: no seat for them now; they stay on the waiting list
    promoted: List[BookingInfo] = field(default_factory=list)  # offered the seat instead


@dataclass(frozen=True)
class CancelResult:
    cancelled: BookingInfo
    promoted: List[BookingInfo] = field(default_factory=list)  # offered the seat, by e-mail


@dataclass(frozen=True)
class ChangeResult:
    booking: BookingInfo  # same reference, new session
    promoted: List[BookingInfo] = field(default_factory=list)  # on the old session


def jsonable(value: Any) -> Any:
    """Datetimes as ISO strings, recursively: a record as JSON-ready data."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
