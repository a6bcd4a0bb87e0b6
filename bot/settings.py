"""Paths and settings shared by the servers, the training step and the tests.

Everything can be overridden from the environment; the defaults are the
embedded set-up (SQLite files under ``var/``, everything on 127.0.0.1).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAE_VAR_DIR", ROOT / "var"))
MODELS_DIR = Path(os.environ.get("CAE_MODELS_DIR", VAR_DIR / "models"))

HOST = os.environ.get("CAE_HOST", "127.0.0.1")
RASA_PORT = int(os.environ.get("CAE_RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("CAE_ACTIONS_PORT", "5055"))

# Rasa files used to train the model; everything here is part of the model's
# fingerprint (see bot/training.py). Overridable so that a small copy of the
# training data can be trained in seconds (the dashboard's browser test).
CONFIG_FILE = Path(os.environ.get("CAE_CONFIG_FILE", ROOT / "config.yml"))
DOMAIN_FILE = Path(os.environ.get("CAE_DOMAIN_FILE", ROOT / "domain.yml"))
DATA_DIR = Path(os.environ.get("CAE_DATA_DIR", ROOT / "nlu"))
# Candidate models trained from the dashboard (bot/learning.py).
CANDIDATES_DIR = Path(os.environ.get("CAE_CANDIDATES_DIR", VAR_DIR / "candidates"))


def secret_file(path: Path) -> str:
    """A random token kept in ``path`` (owner-only), generated on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(token + "\n")
    return token


def rasa_api_token(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Token protecting Rasa's HTTP API (``?token=``).

    Taken from ``CAE_RASA_TOKEN``, else generated once and kept in
    ``var/rasa_token`` (readable by the owner only). Rasa gets it through the
    environment (bot/rasa_server.py), never on its command line.
    """
    return env.get("CAE_RASA_TOKEN", "").strip() or secret_file((var_dir or VAR_DIR) / "rasa_token")


def actions_token(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Token Rasa sends to the action server (``?token=`` on each call, from the
    generated endpoints file); the action server refuses calls without it.

    Taken from ``CAE_ACTIONS_TOKEN``, else generated once into ``var/actions_token``.
    """
    return env.get("CAE_ACTIONS_TOKEN", "").strip() or secret_file((var_dir or VAR_DIR) / "actions_token")


def rasa_api_urls(env: Mapping[str, str] = os.environ) -> list[str]:
    """The Rasa servers whose model the dashboard replaces (``PUT /model``):
    ``CAE_RASA_API_URLS`` (comma-separated, set by bot/servers.py and
    bot/deploy/profile.py for the web app), else the local server."""
    configured = [u.strip().rstrip("/") for u in env.get("CAE_RASA_API_URLS", "").split(",") if u.strip()]
    host = "127.0.0.1" if HOST in ("0.0.0.0", "::") else HOST
    return configured or [f"http://{host}:{RASA_PORT}"]


def rasa_api_token_for_web(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """The token the web app uses to call Rasa's API: ``CAE_RASA_API_TOKEN``
    (given to the web app only, by bot/servers.py and bot/deploy/profile.py),
    else the same sources as Rasa's own token."""
    return env.get("CAE_RASA_API_TOKEN", "").strip() or rasa_api_token(env, var_dir)


def tracker_db_url(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Where Rasa keeps the conversations: ``CAE_TRACKER_DB_URL``, else
    ``var/tracker.db``. Rasa's endpoints file is generated from it
    (bot/endpoints.py), so Rasa, the dashboard and the privacy tools agree."""
    configured = env.get("CAE_TRACKER_DB_URL", "").strip()
    return configured or f"sqlite:///{(var_dir or VAR_DIR) / 'tracker.db'}"
