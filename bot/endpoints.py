"""Rasa's endpoints file, written at every start from our settings.

There is no hand-written ``endpoints.yml``: Rasa gets the action server's
address and token, the tracker store (``CAE_TRACKER_DB_URL``, default
``var/tracker.db``) and, in the production profile, the Redis lock store
from here, so what Rasa uses is what the dashboard, the privacy tools and a
second instance (its own ``CAE_VAR_DIR`` and ports) see.

    python -m bot.endpoints   # writes var/endpoints.yml from the environment, prints its path
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot import settings


def tracker_store(url: str) -> dict:
    """Rasa's SQL tracker store settings for an SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": parsed.database}
    store = {"type": "SQL", "dialect": parsed.drivername, "url": parsed.host or "127.0.0.1",
             "db": parsed.database, "username": parsed.username or "",
             "password": parsed.password or ""}
    if parsed.port:
        store["port"] = parsed.port
    if parsed.query:
        store["query"] = dict(parsed.query)
    return store


def lock_store(url: str) -> dict:
    """Rasa's Redis lock store for ``redis://[:password@]host:port/db``."""
    parts = urlsplit(url)
    store = {"type": "redis", "url": parts.hostname or "127.0.0.1", "port": parts.port or 6379,
             "db": int(parts.path.strip("/") or 0), "key_prefix": "cae"}
    if parts.password:
        store["password"] = parts.password
    return store


def endpoints(actions_url: str, actions_token: str, tracker_url: str,
              lock_url: Optional[str] = None) -> dict:
    config = {
        # Rasa adds ?token=... to every call; bot/rasa/action_server.py checks it.
        "action_endpoint": {"url": f"{actions_url.rstrip('/')}/webhook", "token": actions_token},
        "tracker_store": tracker_store(tracker_url),
    }
    if lock_url:
        config["lock_store"] = lock_store(lock_url)
    return config


def write_endpoints(path: Path, actions_url: str, actions_token: str, tracker_url: str,
                    lock_url: Optional[str] = None) -> Path:
    """Write the file owner-only (it holds the action server's token)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ("# Written at start-up by bot/endpoints.py from the settings (README, \"Settings\").\n"
            "# Do not edit: it is rewritten at every start.\n"
            + yaml.safe_dump(endpoints(actions_url, actions_token, tracker_url, lock_url),
                             sort_keys=False, allow_unicode=True))
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
    return path


def write_default(env: Mapping[str, str] = os.environ, var_dir: Optional[Path] = None,
                  host: str = settings.HOST, actions_port: Optional[int] = None) -> Path:
    """``var/endpoints.yml`` for the settings in ``env`` (``make run``, ``make shell``)."""
    var_dir = Path(var_dir or settings.VAR_DIR)
    config = settings.current(env)
    port = actions_port or (config.actions_port if config.raw("CAE_ACTIONS_PORT") else settings.ACTIONS_PORT)
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return write_endpoints(
        var_dir / "endpoints.yml", f"http://{local}:{port}",
        settings.actions_token(env, var_dir), settings.tracker_db_url(env, var_dir),
        config.lock_redis_url,
    )


if __name__ == "__main__":
    print(write_default())
