"""CAE profiles in the database: copied from ``caes/*.yml`` at start, read by
the chat, the dashboard and the API (one source for all three)."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from bot.caes.profiles import CAES_DIR, Profile, ProfileError, load_dir, profile_from_json
from bot.storage.db import Database
from bot.storage.models import Cae, utcnow

logger = logging.getLogger(__name__)


def load_profiles(db: Database, directory: Path = CAES_DIR) -> dict[str, int]:
    """Check every profile file, then create or update its CAE (name and profile);
    a CAE whose file is gone keeps its sessions but loses its profile.
    Raises ProfileError (French, naming the file and field) before writing anything."""
    profiles = load_dir(directory)

    def work(s) -> dict[str, int]:
        ids = {}
        for cae in s.execute(select(Cae)).scalars():
            if cae.profile is not None and cae.slug not in profiles:
                cae.profile = None
        for slug, profile in profiles.items():
            cae = s.execute(select(Cae).where(Cae.slug == slug)).scalar_one_or_none()
            if cae is None:
                cae = Cae(slug=slug, name=profile.name, created_at=utcnow())
                s.add(cae)
            cae.name = profile.name
            cae.profile = profile.to_json()
            s.flush()
            ids[slug] = cae.id
        return ids

    return db.run(work)


def read_profiles(db: Database) -> dict[str, Profile]:
    """slug -> profile, as stored (a stored profile that no longer parses is
    skipped with a warning: the chat goes on in network mode for it)."""
    def work(s):
        return s.execute(select(Cae.slug, Cae.profile).where(Cae.profile.is_not(None))).all()

    profiles = {}
    for slug, text in db.run(work):
        try:
            profiles[slug] = profile_from_json(text)
        except (ProfileError, ValueError):
            logger.warning("stored profile of CAE %s does not parse: skipped", slug)
    return profiles


def cae_ids(db: Database) -> dict[str, int]:
    return dict(db.run(lambda s: s.execute(select(Cae.slug, Cae.id)).all()))


class ProfileCache:
    """The profiles for a long-running process (the action server): read from the
    database at most every ``ttl`` seconds."""

    def __init__(self, ttl: float = 60.0):
        self.ttl = ttl
        self._at = -1e9
        self._profiles: dict[str, Profile] = {}
        self._ids: dict[str, int] = {}
        self._url: Optional[str] = None

    def _refresh(self, db: Database) -> None:
        if time.monotonic() - self._at > self.ttl or str(db.url) != self._url:
            self._url = str(db.url)
            self._profiles = read_profiles(db)
            self._ids = cae_ids(db)
            self._at = time.monotonic()

    def all(self, db: Database) -> dict[str, Profile]:
        self._refresh(db)
        return self._profiles

    def get(self, db: Database, slug: Optional[str]) -> Optional[Profile]:
        return self.all(db).get(slug) if slug else None

    def cae_id(self, db: Database, slug: Optional[str]) -> Optional[int]:
        self._refresh(db)
        return self._ids.get(slug) if slug else None
