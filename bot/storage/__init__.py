"""Our own data layer (SQLAlchemy 1.4, 2.0 style) shared by the whole app.

``db.py``: URL, engines, sessions, transactions with retry, Alembic upgrade.
``models.py``: the tables (CAEs, places, information sessions, people, bookings).
"""
from bot.storage.db import Database, database_url, make_engine, upgrade

__all__ = ["Database", "database_url", "make_engine", "upgrade"]
