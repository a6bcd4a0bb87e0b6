"""Sample CAEs, places and upcoming sessions so that a newcomer can book at once.

    python -m bot.booking.sample [--reset]

Migrates the database first. Without ``--reset`` it only adds what is missing;
``--reset`` deletes the sample CAEs (with their places, sessions and bookings;
people are kept) and loads them again with dates relative to now.
"""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Dict, Optional

from sqlalchemy import delete, insert, select

from bot.dates import PARIS
from bot.storage.db import Database, upgrade
from bot.storage.models import Booking, Cae, InfoSession, Place, as_utc, utcnow

# slug, name, places (name, address, postal code, city, département), session plan
SAMPLE = [
    {
        "slug": "coop-normandie", "name": "Coopérative d'activité Normandie",
        "place": ("Maison de l'économie sociale", "12 rue de la République", "76000",
                  "Rouen", "76"),
        "sessions": [(3, 14), (17, 9)],
    },
    {
        "slug": "coop-paris", "name": "Coopérative d'activité Paris",
        "place": ("Espace coopératif Paris 11e", "25 boulevard Voltaire", "75011",
                  "Paris", "75"),
        "sessions": [(2, 10), (9, 14), (23, 10)],
    },
    {
        "slug": "coop-lyon", "name": "Coopérative d'activité Lyon",
        "place": ("Tiers-lieu des Pentes", "8 montée de la Grande-Côte", "69001",
                  "Lyon", "69"),
        "sessions": [(4, 9), (18, 14)],
    },
    {
        "slug": "coop-visio", "name": "Réseau des CAE (à distance)",
        "place": None,
        "video_url": "https://visio.example.org/reunion-information-cae",
        "sessions": [(1, 18), (8, 18), (15, 12)],
    },
]
SAMPLE_SLUGS = [c["slug"] for c in SAMPLE]
CAPACITY = 12
DURATION = timedelta(hours=2)


def _at(now: datetime, days: int, hour: int) -> datetime:
    local = (now.astimezone(PARIS) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0)
    return as_utc(local)


def load_sample(db: Database, now: Optional[datetime] = None, reset: bool = False
                ) -> Dict[str, int]:
    """Load the sample data; returns how many sessions each sample CAE has."""
    now = as_utc(now) if now else utcnow()

    def work(s):
        if reset:
            caes = s.execute(select(Cae.id).where(Cae.slug.in_(SAMPLE_SLUGS))).scalars().all()
            if caes:
                sessions = select(InfoSession.id).where(InfoSession.cae_id.in_(caes))
                s.execute(delete(Booking).where(Booking.session_id.in_(sessions)),
                          execution_options={"synchronize_session": False})
                s.execute(delete(InfoSession).where(InfoSession.cae_id.in_(caes)),
                          execution_options={"synchronize_session": False})
                s.execute(delete(Place).where(Place.cae_id.in_(caes)),
                          execution_options={"synchronize_session": False})
                s.execute(delete(Cae).where(Cae.id.in_(caes)),
                          execution_options={"synchronize_session": False})
        counts = {}
        for spec in SAMPLE:
            cae = s.execute(select(Cae).where(Cae.slug == spec["slug"])).scalar_one_or_none()
            if cae is None:  # only the columns every revision has (tests load old schemas)
                s.execute(insert(Cae.__table__).values(slug=spec["slug"], name=spec["name"], created_at=now))
                cae = s.execute(select(Cae).where(Cae.slug == spec["slug"])).scalar_one()
            place = None
            if spec["place"]:
                name, address, postal_code, city, departement = spec["place"]
                place = s.execute(select(Place).where(Place.cae_id == cae.id,
                                                      Place.name == name)).scalar_one_or_none()
                if place is None:
                    place = Place(cae=cae, name=name, address=address, postal_code=postal_code,
                                  city=city, departement=departement, is_video=False)
                    s.add(place)
                    s.flush()
            upcoming = s.execute(select(InfoSession).where(
                InfoSession.cae_id == cae.id, InfoSession.starts_at > now)).scalars().all()
            if not upcoming:
                for days, hour in spec["sessions"]:
                    starts_at = _at(now, days, hour)
                    s.add(InfoSession(cae=cae, place=place, video_url=spec.get("video_url"),
                                      starts_at=starts_at, ends_at=starts_at + DURATION,
                                      capacity=CAPACITY, status="planned", created_at=now))
                s.flush()
            counts[spec["slug"]] = s.execute(select(InfoSession.id).where(
                InfoSession.cae_id == cae.id, InfoSession.starts_at > now)).scalars().all()
        return {slug: len(ids) for slug, ids in counts.items()}

    return db.run(work)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true",
                        help="delete the sample CAEs and load them again")
    args = parser.parse_args(argv)
    db = Database()
    upgrade(db.url)
    counts = load_sample(db, reset=args.reset)
    from bot.caes.store import load_profiles
    load_profiles(db)  # --reset deleted the sample CAEs with their profiles
    print(f"Base : {db.url}")
    for slug, count in counts.items():
        print(f"  {slug} : {count} réunion(s) à venir")
    db.dispose()


if __name__ == "__main__":
    main()
