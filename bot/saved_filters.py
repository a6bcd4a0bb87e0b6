"""A coach's saved filters of the conversation list: a name and the list's query
string (known keys only, re-encoded). Per coach (another coach's filter is
"not found"); they go with the account (``ON DELETE CASCADE``). A saved filter
is only a query string: the list applies the coach's scope to it as to any
other (bot/scope.py), so it never shows more than the coach may see.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, func, select

from bot.errors import UserError
from bot.storage.db import Database
from bot.storage.models import SavedFilter, utcnow

# The conversation list's filters (bot/web/dashboard/conversations.py).
KEYS = ("du", "au", "canal", "repli", "doute", "confiance_sous", "conseiller", "eligibilite", "relu",
        "etiquette", "q")
MAX_NAME = 100
MAX_VALUE = 200
MAX_FILTERS = 50  # per coach


class FilterError(UserError):
    code = "saved_filter_error"


class FilterNotFound(LookupError):
    """No such filter among this coach's."""


@dataclass(frozen=True)
class FilterRecord:
    id: int
    name: str
    query: str  # "canal=rest&repli=oui"


def clean_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The known filters with a value, in the list's order: ``canal=rest&repli=oui``."""
    values = {}
    for key, value in pairs:
        value = " ".join(str(value or "").split())[:MAX_VALUE]
        if key in KEYS and value and key not in values:
            values[key] = value
    return urlencode([(key, values[key]) for key in KEYS if key in values])


def clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise FilterError("Donnez un nom à ce filtre.")
    if len(name) > MAX_NAME:
        raise FilterError(f"Le nom du filtre doit faire au plus {MAX_NAME} caractères.")
    return name


def list_filters(db: Database, coach_id: int) -> list[FilterRecord]:
    with db.reader() as s:
        return [FilterRecord(f.id, f.name, f.query) for f in s.execute(
            select(SavedFilter).where(SavedFilter.coach_id == coach_id)
            .order_by(func.lower(SavedFilter.name), SavedFilter.id)).scalars()]


def save_filter(db: Database, coach_id: int, name: str, query: str) -> FilterRecord:
    """Save the list's current filters (``query``: its query string) under ``name``.
    FilterError: no name, too long, a name this coach already uses, no filter set,
    too many filters."""
    name = clean_name(name)
    query = clean_query(parse_qsl(str(query or ""), keep_blank_values=False))
    if not query:
        raise FilterError("Aucun filtre n'est choisi : choisissez-en au moins un avant d'enregistrer.")

    def work(s) -> FilterRecord:
        mine = s.execute(select(SavedFilter).where(SavedFilter.coach_id == coach_id)).scalars().all()
        if any(f.name.lower() == name.lower() for f in mine):
            raise FilterError(f"Vous avez déjà un filtre nommé « {name} » : choisissez un autre nom.")
        if len(mine) >= MAX_FILTERS:
            raise FilterError(f"Vous avez déjà {MAX_FILTERS} filtres : supprimez-en un d'abord.")
        row = SavedFilter(coach_id=coach_id, name=name, query=query, created_at=utcnow())
        s.add(row)
        s.flush()
        return FilterRecord(row.id, row.name, row.query)

    return db.run(work)


def get_filter(db: Database, coach_id: int, filter_id: int) -> FilterRecord:
    with db.reader() as s:
        row = s.execute(select(SavedFilter).where(SavedFilter.id == filter_id,
                                                  SavedFilter.coach_id == coach_id)).scalar_one_or_none()
        if row is None:
            raise FilterNotFound()
        return FilterRecord(row.id, row.name, row.query)


def delete_filter(db: Database, coach_id: int, filter_id: int) -> None:
    """FilterNotFound when this coach has no such filter (another coach's included)."""

    def work(s) -> int:
        return s.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                   SavedFilter.coach_id == coach_id)).rowcount

    if not db.run(work):
        raise FilterNotFound()
