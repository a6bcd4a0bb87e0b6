"""What the chat needs from the profiles: which CAE a conversation belongs to
(from its start metadata), and that CAE's profile. Plain Python: the actions
call it."""
from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from bot.caes.profiles import Profile
from bot.caes.store import ProfileCache
from bot.storage.db import Database, get_database

logger = logging.getLogger(__name__)

METADATA_KEY = "cae"  # widget data-cae, REST metadata {"cae": ...}, Telegram/WhatsApp configuration
PROFILES = ProfileCache()


def _db(db: Optional[Database]) -> Database:
    return db or get_database()


def all_profiles(db: Optional[Database] = None) -> dict[str, Profile]:
    return PROFILES.all(_db(db))


def profile_of(slug: Optional[str], db: Optional[Database] = None) -> Optional[Profile]:
    return PROFILES.get(_db(db), slug) if slug else None


def cae_id_of(slug: Optional[str], db: Optional[Database] = None) -> Optional[int]:
    return PROFILES.cae_id(_db(db), slug) if slug else None


def cae_from_metadata(metadata: Any, db: Optional[Database] = None) -> Optional[str]:
    """The slug of the CAE a conversation starts for, or None (network mode).
    An unknown or malformed value is network mode too, with a warning in the log."""
    if not isinstance(metadata, Mapping) or metadata.get(METADATA_KEY) in (None, ""):
        return None
    value = metadata.get(METADATA_KEY)
    slug = value.strip().lower() if isinstance(value, str) else None
    try:
        known = slug is not None and profile_of(slug, db) is not None
    except Exception:  # noqa: BLE001 - no database: network mode, never a crash
        logger.exception("could not read the CAE profiles")
        return None
    if not known:
        logger.warning("unknown CAE %r in the conversation's metadata: network mode", str(value)[:80])
        return None
    return slug
