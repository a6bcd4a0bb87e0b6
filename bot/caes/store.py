"""CAE profiles in the database: copied from ``caes/*.yml`` at start, read by
the chat, the dashboard and the API (one source for all three)."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Optional

import yaml
from sqlalchemy import select

from bot.caes import profiles as profiles_module
from bot.caes.profiles import Profile, ProfileError, load_dir, parse_profile, profile_from_json
from bot.scope import Scope
from bot.storage.db import Database
from bot.storage.models import Cae, CaeProfileChange, utcnow

logger = logging.getLogger(__name__)


def _file_hashes(directory: Path) -> dict[str, str]:
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.glob("*.yml"))}


def _changed_fields(before: Optional[dict], after: dict) -> list[str]:
    before = before or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def load_profiles(db: Database, directory: Optional[Path] = None) -> dict[str, int]:
    """Check every profile file, then create or update its CAE (name and profile).

    The last change wins: a file unchanged since it was last copied keeps the
    profile as an admin may have edited it on the dashboard; a changed file
    replaces it (audited as a change from the file). A CAE whose file is gone
    keeps its sessions but loses its profile. Raises ProfileError (French,
    naming the file and field) before writing anything."""
    directory = directory or profiles_module.CAES_DIR
    profiles = load_dir(directory)
    hashes = _file_hashes(directory)

    def work(s) -> dict[str, int]:
        ids = {}
        for cae in s.execute(select(Cae)).scalars():
            if cae.profile is not None and cae.slug not in profiles:
                cae.profile, cae.profile_file_hash = None, None
        for slug, profile in profiles.items():
            cae = s.execute(select(Cae).where(Cae.slug == slug)).scalar_one_or_none()
            if cae is None:
                cae = Cae(slug=slug, name=profile.name, created_at=utcnow())
                s.add(cae)
                s.flush()
            if cae.profile is None or cae.profile_file_hash != hashes[slug]:
                before = json.loads(cae.profile) if cae.profile else None
                if before is not None and before != profile.raw:
                    s.add(CaeProfileChange(cae_id=cae.id, source="file", after=profile.to_json(),
                                           before=cae.profile, fields=",".join(_changed_fields(before, profile.raw))))
                cae.name, cae.profile, cae.profile_file_hash = profile.name, profile.to_json(), hashes[slug]
            s.flush()
            ids[slug] = cae.id
        return ids

    return db.run(work)


def save_profile(db: Database, slug: str, text: str, coach_id: Optional[int], coach_email: Optional[str]
                 ) -> list[str]:
    """An admin's edit (YAML text of the whole profile): checked like a file, the
    slug unchanged; stored with an audit row. Returns the fields changed.
    Raises ProfileError (French) when the text is not a valid profile."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProfileError(f"Profil de CAE {slug} : YAML illisible ({error}).") from None
    profile = parse_profile(data, slug)
    if profile.slug != slug:
        raise ProfileError(f"Profil de CAE {slug} non valable, champ « slug » : l'identifiant ne peut pas changer.")

    def work(s) -> list[str]:
        cae = s.execute(select(Cae).where(Cae.slug == slug)).scalar_one_or_none()
        if cae is None:
            raise ProfileError(f"Profil de CAE {slug} : CAE inconnue.")
        before = json.loads(cae.profile) if cae.profile else None
        fields = _changed_fields(before, profile.raw)
        if fields:
            s.add(CaeProfileChange(cae_id=cae.id, source="dashboard", coach_id=coach_id, coach_email=coach_email,
                                   fields=",".join(fields), before=cae.profile, after=profile.to_json()))
            cae.name, cae.profile = profile.name, profile.to_json()
        return fields

    return db.run(work)


def history(db: Database, slug: str, limit: int = 20) -> list[dict]:
    """The latest changes of a profile, newest first (plain dicts)."""
    def work(s):
        rows = s.execute(select(CaeProfileChange).join(Cae, Cae.id == CaeProfileChange.cae_id)
                         .where(Cae.slug == slug)
                         .order_by(CaeProfileChange.changed_at.desc(), CaeProfileChange.id.desc())
                         .limit(limit)).scalars().all()
        return [{"at": r.changed_at, "source": r.source, "who": r.coach_email, "fields": r.fields.split(",")}
                for r in rows]

    return db.run(work)


def profile_yaml(profile: Profile) -> str:
    return yaml.safe_dump(profile.raw, allow_unicode=True, sort_keys=False, width=100)


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


def profiles_in_scope(db: Database, scope: Scope) -> list[Profile]:
    """The profiles a coach may read (bot/scope.py: their CAE's; everything: all),
    by name."""
    def work(s):
        return set(s.execute(select(Cae.slug).where(scope.cae_condition(Cae.id))).scalars())

    slugs = db.run(work)
    return sorted((p for slug, p in read_profiles(db).items() if slug in slugs), key=lambda p: p.name)


def profile_in_scope(db: Database, scope: Scope, slug: str) -> Optional[Profile]:
    """The profile ``slug`` if it exists and is in ``scope``, else None."""
    def work(s):
        return s.execute(select(Cae.profile).where(Cae.slug == slug, Cae.profile.is_not(None),
                                                   scope.cae_condition(Cae.id))).scalar_one_or_none()

    text = db.run(work)
    if text is None:
        return None
    try:
        return profile_from_json(text)
    except (ProfileError, ValueError):
        logger.warning("stored profile of CAE %s does not parse: skipped", slug)
        return None


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
