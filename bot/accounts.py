"""Coach accounts: creating them, checking a password, the first admin.

Passwords are argon2 hashes (argon2-cffi). The web app's doors (sessions,
cookies, CSRF, lock-out) are bot/web/auth.py; ``make run`` and the production
profile create the first admin from here without importing the web app.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from bot import settings
from bot.errors import UserError
from bot.scope import Scope
from bot.storage.db import Database
from bot.storage.models import ROLE_ADMIN, ROLE_COACH, ROLES, Coach, utcnow

HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
FIRST_ADMIN_EMAIL = "admin@cae.local"


@dataclass(frozen=True)
class CoachInfo:
    id: int
    email: str
    name: str
    role: str
    cae_id: Optional[int]

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def scope(self) -> Scope:
        """What this account may see (bot/scope.py): admins without a CAE see
        everything; others their own CAE."""
        return Scope.of_coach(self)

    def can_see_cae(self, cae_id: Optional[int]) -> bool:
        return self.scope.sees_cae(cae_id)


class AuthError(UserError, ValueError):
    """Bad input to an account command, with a French message."""


def coach_info(coach: Coach) -> CoachInfo:
    """The record of an account, without its password hash."""
    return CoachInfo(coach.id, coach.email, coach.name, coach.role, coach.cae_id)


def create_coach(db: Database, email: str, password: str, role: str = ROLE_COACH,
                 cae_id: Optional[int] = None, name: str = "") -> int:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AuthError("Adresse e-mail invalide.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères.")
    if role not in ROLES:
        raise AuthError(f"Rôle inconnu : {role}.")

    def work(s) -> int:
        if s.execute(select(Coach.id).where(Coach.email == email)).first():
            raise AuthError("Un compte existe déjà avec cette adresse e-mail.")
        coach = Coach(email=email, name=name or "", password_hash=HASHER.hash(password),
                      role=role, cae_id=cae_id)
        s.add(coach)
        s.flush()
        return coach.id

    return db.run(work)


def authenticate(db: Database, email: str, password: str) -> Optional[CoachInfo]:
    email = (email or "").strip().lower()
    with db.Session() as s, s.begin():
        coach = s.execute(select(Coach).where(Coach.email == email)).scalar_one_or_none()
        if coach is None or not coach.active:
            HASHER.hash("timing-equaliser")  # same cost whether the account exists or not
            return None
        try:
            HASHER.verify(coach.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if HASHER.check_needs_rehash(coach.password_hash):
            coach.password_hash = HASHER.hash(password)
        coach.last_login_at = utcnow()
        return coach_info(coach)


def coach_by_id(db: Database, coach_id: int) -> Optional[CoachInfo]:
    with db.reader() as s:
        coach = s.get(Coach, coach_id)
        return coach_info(coach) if coach is not None and coach.active else None


def ensure_first_admin(db: Database, password_file: Optional[Path] = None) -> Optional[str]:
    """On a fresh installation (no account at all), create ``admin@cae.local``
    with a random password written to ``var/admin_password`` (0600); returns
    the password, or None when accounts exist."""
    with db.reader() as s:
        if s.execute(select(func.count(Coach.id))).scalar_one():
            return None
    password = secrets.token_urlsafe(12)
    create_coach(db, FIRST_ADMIN_EMAIL, password, role=ROLE_ADMIN, name="Administrateur")
    path = password_file or Path(settings.VAR_DIR) / "admin_password"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password
