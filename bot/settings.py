"""Paths and settings shared by the servers, the training step and the tests.

Everything can be overridden from the environment; the defaults are the
embedded set-up (SQLite files under ``var/``, everything on 127.0.0.1).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAE_VAR_DIR", ROOT / "var"))
MODELS_DIR = Path(os.environ.get("CAE_MODELS_DIR", VAR_DIR / "models"))

HOST = os.environ.get("CAE_HOST", "127.0.0.1")
RASA_PORT = int(os.environ.get("CAE_RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("CAE_ACTIONS_PORT", "5055"))

# Rasa files used to train the model; everything here is part of the model's
# fingerprint (see bot/training.py).
CONFIG_FILE = ROOT / "config.yml"
DOMAIN_FILE = ROOT / "domain.yml"
DATA_DIR = ROOT / "nlu"


def rasa_api_token() -> str:
    """Token protecting Rasa's HTTP API (``--auth-token``).

    Taken from ``CAE_RASA_TOKEN``, else generated once and kept in
    ``var/rasa_token`` (readable by the owner only).
    """
    token = os.environ.get("CAE_RASA_TOKEN")
    if token:
        return token
    path = VAR_DIR / "rasa_token"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token
