"""Every ``CAE_*`` environment setting, read here and nowhere else.

``Settings`` is the one typed object: each property is one variable, with its
default and what it does (``SETTINGS`` lists them; the README's settings table
is checked against it by tests/unit/test_architecture.py). A property reads
the environment when it is asked, not at import: the tests and the servers'
child processes change the environment. ``current()`` reads ``os.environ``;
``Settings(env)`` reads a given mapping (a child process's environment, a test).

The module constants below (``VAR_DIR``, ``HOST``, ports, training files) are
read once at import, as before: the servers and the training step use them.

``secret(name)`` is the one "secret from the environment, else generated once
into a private file under var/" helper (tokens, HMAC keys).
"""
from __future__ import annotations

import logging
import os
import secrets as _random
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, MutableMapping, Optional

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default as a person reads it, what it does."""

    name: str
    default: str
    what: str


# name -> Setting, in the order of the README's table.
SETTINGS: Dict[str, Setting] = {}


def _setting(name: str, default: str, what: str) -> Callable[[Callable[..., Any]], property]:
    """A property of ``Settings`` reading ``name``: the decorated function gets
    the stripped raw text ("" when unset) and returns the typed value."""
    def wrap(convert: Callable[..., Any]) -> property:
        SETTINGS[name] = Setting(name, default, what)

        def read(self: "Settings") -> Any:
            return convert(self, self.raw(name))

        return property(read, doc=f"``{name}`` (default: {default}): {what}")
    return wrap


def _flag(raw: str, default: bool) -> bool:
    if raw == "":
        return default
    return raw.lower() in ("1", "true", "yes", "on", "oui")


def _positive(raw: str, default: float) -> float:
    try:
        value = float(raw or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _clock(raw: str, default: time) -> time:
    """A time of day ``HH:MM``; ``default`` when unset or not understood (logged)."""
    if not raw:
        return default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        logging.getLogger(__name__).warning("time %r not understood, %s used", raw, default)
        return default


def _csv(raw: str) -> list[str]:
    return [item.strip().rstrip("/") for item in raw.split(",") if item.strip()]


def _local(host: str) -> str:
    """The address to reach a server listening on ``host`` from this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host


class Settings:
    """The ``CAE_*`` settings of one environment (``os.environ`` by default)."""

    def __init__(self, env: Optional[Mapping[str, str]] = None) -> None:
        self._env = env

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def raw(self, name: str) -> str:
        """The variable's text, stripped; "" when unset. Only declared names."""
        if name not in SETTINGS:
            raise KeyError(f"{name} is not a declared setting (bot/settings.py)")
        return (self.env.get(name) or "").strip()

    # ------------------------------------------------------------------ servers

    @_setting("CAE_HOST", "`127.0.0.1`", "address the servers listen on")
    def host(self, raw: str) -> str:
        return raw or "127.0.0.1"

    @_setting("CAE_RASA_PORT", "`5005`", "Rasa's port")
    def rasa_port(self, raw: str) -> int:
        return int(raw or 5005)

    @_setting("CAE_ACTIONS_PORT", "`5055`", "the action server's port")
    def actions_port(self, raw: str) -> int:
        return int(raw or 5055)

    @_setting("CAE_WEB_PORT", "`8000`", "port of our web app (widget page, dashboard, booking pages, `/static/`)")
    def web_port(self, raw: str) -> int:
        return int(raw or 8000)

    @_setting("CAE_RASA_TOKEN", "generated into `var/rasa_token`", "token of Rasa's HTTP API (`?token=…`)")
    def rasa_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_RASA_TOKEN_FILE", "—", "file holding Rasa's token, for `bot/rasa/server.py` (instead of `CAE_RASA_TOKEN`)")
    def rasa_token_file(self, raw: str) -> Optional[Path]:
        return Path(raw) if raw else None

    @_setting("CAE_ACTIONS_TOKEN", "generated into `var/actions_token`", "token Rasa sends to the action server")
    def actions_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_ACTIONS_TOKEN_FILE", "—", "file holding the action server's token, for `bot/rasa/action_server.py`")
    def actions_token_file(self, raw: str) -> Optional[Path]:
        return Path(raw) if raw else None

    @_setting("CAE_ACTIONS_RETRY_SECONDS", "`30`", "how long Rasa retries an unreachable action server before answering « Un instant, je redémarre… »")
    def actions_retry_seconds(self, raw: str) -> float:
        return max(0.0, float(raw or 30))

    @_setting("CAE_TAKEOVER_TIMEOUT_MINUTES", "`20`", "a conversation a coach took over goes back to the assistant after this many minutes without a coach message")
    def takeover_timeout_minutes(self, raw: str) -> float:
        return _positive(raw, 20.0)

    @_setting("CAE_VAR_DIR", "`var/`", "local state: SQLite files, generated files, tokens, models, logs")
    def var_dir(self, raw: str) -> Path:
        return Path(raw) if raw else ROOT / "var"

    @_setting("CAE_DATABASE_URL", "`sqlite:///var/cae.db`", "our data (PostgreSQL: `postgresql://...`)")
    def database_url(self, raw: str) -> str:
        return raw

    @_setting("CAE_TRACKER_DB_URL", "`sqlite:///<CAE_VAR_DIR>/tracker.db`", "where Rasa keeps conversations, and where the dashboard and the privacy tools read and erase them")
    def tracker_db_url(self, raw: str) -> str:
        return raw or f"sqlite:///{self.var_dir / 'tracker.db'}"

    @_setting("CAE_LOCK_REDIS_URL", "unset (locks in memory)", "Rasa's lock store for several Rasa servers (`redis://host:port/db`; set by `make run-prod`)")
    def lock_redis_url(self, raw: str) -> Optional[str]:
        return raw or None

    @_setting("CAE_SAMPLE_DATA", "`1`", "`0`: no sample sessions at start")
    def sample_data(self, raw: str) -> bool:
        return (raw or "1") not in ("0", "false", "non")

    @_setting("CAE_RASA_API_URLS", "set for the web app by `make run` / `make run-prod`", "Rasa servers the dashboard loads an activated model into (comma-separated)")
    def rasa_api_urls(self, raw: str) -> list[str]:
        return _csv(raw) or [f"http://{_local(self.host)}:{self.rasa_port}"]

    @_setting("CAE_RASA_API_TOKEN", "Rasa's own token", "the token the web app calls Rasa's API with")
    def rasa_api_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_PROD_PORT", "`8080`", "nginx's port in the production profile (`make run-prod`)")
    def prod_port(self, raw: str) -> int:
        return int(raw or 8080)

    @_setting("CAE_PG_BIN", "Debian's PostgreSQL folders", "folder of PostgreSQL's programs (`initdb`, `pg_ctl`) for the production profile")
    def pg_bin(self, raw: str) -> Optional[str]:
        return raw or None

    # ------------------------------------------------------------------ training

    @_setting("CAE_DATA_DIR", "`nlu/`", "training data")
    def data_dir(self, raw: str) -> Path:
        return Path(raw) if raw else ROOT / "nlu"

    @_setting("CAE_CONFIG_FILE", "`config.yml`", "Rasa's pipeline and policies")
    def config_file(self, raw: str) -> Path:
        return Path(raw) if raw else ROOT / "config.yml"

    @_setting("CAE_DOMAIN_DIR", "`domain/`", "Rasa's domain, one file per topic")
    def domain_dir(self, raw: str) -> Path:
        return Path(raw) if raw else ROOT / "domain"

    @_setting("CAE_MODELS_DIR", "`<CAE_VAR_DIR>/models`", "trained models")
    def models_dir(self, raw: str) -> Path:
        return Path(raw) if raw else self.var_dir / "models"

    @_setting("CAE_CANDIDATES_DIR", "`<CAE_VAR_DIR>/candidates`", "the dashboard's candidate models")
    def candidates_dir(self, raw: str) -> Path:
        return Path(raw) if raw else self.var_dir / "candidates"

    @_setting("CAE_TRAIN_LOCK", "`<CAE_MODELS_DIR>/.train.lock`", "lock file shared by several checkouts, so that two trainings never run at once")
    def train_lock(self, raw: str) -> Optional[Path]:
        return Path(raw) if raw else None

    @_setting("CAE_SEEDS_DIR", "`../shared/seeds`", "the seed documents the answers cite")
    def seeds_dir(self, raw: str) -> Path:
        return Path(raw) if raw else ROOT.parent / "shared" / "seeds"

    # ------------------------------------------------------------------ web app, links, e-mail

    @_setting("CAE_PUBLIC_WEB_URL", "`http://<CAE_HOST>:<CAE_WEB_PORT>`", "our web app's public address: base of the links sent in the chat and e-mails, shown in the embed snippet")
    def public_web_url_setting(self, raw: str) -> str:
        return raw.rstrip("/")

    @_setting("CAE_PUBLIC_RASA_URL", "`http://<CAE_HOST>:<CAE_RASA_PORT>`", "Rasa's address as browsers see it (widget's socket.io)")
    def public_rasa_url_setting(self, raw: str) -> str:
        return raw.rstrip("/")

    @property
    def public_web_url(self) -> str:
        """``CAE_PUBLIC_WEB_URL``, else the local web app."""
        return self.public_web_url_setting or f"http://{_local(self.host)}:{self.web_port}"

    @property
    def public_rasa_url(self) -> str:
        """``CAE_PUBLIC_RASA_URL``, else the local Rasa server."""
        return self.public_rasa_url_setting or f"http://{_local(self.host)}:{self.rasa_port}"

    @_setting("CAE_LINK_SECRET", "generated into `var/link_secret`", "key of the signed links (booking pages, .ics, data export) and of the codes' hashes")
    def link_secret(self, raw: str) -> str:
        return raw

    @_setting("CAE_SESSION_KEY", "generated into `var/session_key`", "key of the dashboard's CSRF tokens (urlsafe base64)")
    def session_key(self, raw: str) -> str:
        return raw

    @_setting("CAE_SESSION_IDLE_MINUTES", "`120`", "a coach's session ends after this long unused")
    def session_idle_minutes(self, raw: str) -> float:
        return _positive(raw, 120)

    @_setting("CAE_SESSION_MAX_HOURS", "`12`", "a coach's session ends this long after login")
    def session_max_hours(self, raw: str) -> float:
        return _positive(raw, 12)

    @_setting("CAE_SECURE_COOKIES", "`0`", "`1`: the dashboard's cookie only over HTTPS (set it behind HTTPS)")
    def secure_cookies(self, raw: str) -> bool:
        return raw.lower() in ("1", "true", "yes", "oui")

    @_setting("CAE_REMINDER_INTERVAL_S", "`300`", "seconds between two runs of the reminder e-mails and the waiting-list offers (`0`: off)")
    def reminder_interval_s(self, raw: str) -> float:
        return float(raw or 300)

    @_setting("CAE_REMINDER_DAYS_BEFORE", "`2`", "the first reminder e-mail goes this many days before the session (1 to 14)")
    def reminder_days_before(self, raw: str) -> int:
        try:
            return max(1, min(int(raw or 2), 14))
        except ValueError:
            return 2

    @_setting("CAE_REMINDER_AT", "`09:00`", "its time of day, Paris time")
    def reminder_at(self, raw: str) -> time:
        return _clock(raw, time(9, 0))

    @_setting("CAE_SAME_DAY_REMINDER_AT", "`09:00`", "time of the reminder of the day (video sessions only; one hour before a session starting earlier), Paris time")
    def same_day_reminder_at(self, raw: str) -> time:
        return _clock(raw, time(9, 0))

    @_setting("CAE_PURGE_INTERVAL_S", "`86400`", "seconds between two retention purges (`0`: off)")
    def purge_interval_s(self, raw: str) -> float:
        return float(raw or 86400)

    @_setting("CAE_WAITLIST_OFFER_HOURS", "`24`", "how long a freed seat is held for the person it is offered to (shorter near the session)")
    def waitlist_offer_hours(self, raw: str) -> Optional[float]:
        return float(raw) if raw else None

    @_setting("CAE_EXPORT_LINK_HOURS", "`24`", "lifetime of the link to download one's data")
    def export_link_hours(self, raw: str) -> float:
        return float(raw or 24)

    @_setting("CAE_SMTP_HOST", "unset (e-mails written to the outbox)", "SMTP server of the e-mails")
    def smtp_host(self, raw: str) -> str:
        return raw

    @_setting("CAE_SMTP_PORT", "`587`", "SMTP port")
    def smtp_port(self, raw: str) -> int:
        return int(raw or 587)

    @_setting("CAE_SMTP_USER", "—", "SMTP login")
    def smtp_user(self, raw: str) -> Optional[str]:
        return self.env.get("CAE_SMTP_USER") or None

    @_setting("CAE_SMTP_PASSWORD", "—", "SMTP password")
    def smtp_password(self, raw: str) -> Optional[str]:
        return self.env.get("CAE_SMTP_PASSWORD") or None

    @_setting("CAE_SMTP_FROM", "`Assistant CAE <no-reply@cae-assistant.invalid>`", "sender of the e-mails")
    def smtp_from(self, raw: str) -> Optional[str]:
        return self.env.get("CAE_SMTP_FROM") or None

    @_setting("CAE_SMTP_STARTTLS", "`1`", "`0`: no STARTTLS")
    def smtp_starttls(self, raw: str) -> bool:
        return _flag(raw, True)

    @_setting("CAE_OUTBOX_DIR", "`<CAE_VAR_DIR>/outbox`", "where e-mails are written as `.eml` files without SMTP")
    def outbox_dir(self, raw: str) -> Path:
        return Path(raw) if raw else self.var_dir / "outbox"

    @_setting("CAE_RETENTION_TRANSCRIPTS_DAYS", "`180`", "conversations linked to nobody are erased after this many days")
    def retention_transcripts_days(self, raw: str) -> int:
        return int(raw or 180)

    @_setting("CAE_RETENTION_CANCELLED_DAYS", "`30`", "cancelled bookings are erased this many days after their cancellation")
    def retention_cancelled_days(self, raw: str) -> int:
        return int(raw or 30)

    @_setting("CAE_RETENTION_PEOPLE_DAYS", "`365`", "people with no activity for this many days are erased")
    def retention_people_days(self, raw: str) -> int:
        return int(raw or 365)

    # ------------------------------------------------------------------ channels

    @_setting("CAE_ALLOWED_ORIGINS", "the widget page's origin (`http://127.0.0.1:8000`, `http://localhost:8000`)", "comma-separated origins allowed to use the widget")
    def allowed_origins(self, raw: str) -> list[str]:
        return _csv(raw)

    @_setting("CAE_MAX_MESSAGE_CHARS", "`2000`", "longest message (channels' door)")
    def max_message_chars(self, raw: str) -> int:
        return int(raw or 2000)

    @_setting("CAE_MAX_BODY_BYTES", "`65536`", "largest request body (REST, Telegram, WhatsApp) and socket.io packet; 413 beyond")
    def max_body_bytes(self, raw: str) -> int:
        return int(raw or 65536)

    @_setting("CAE_RATE_LIMIT_PER_MINUTE", "`30`", "messages a minute in one conversation")
    def rate_limit_per_minute(self, raw: str) -> int:
        return int(raw or 30)

    @_setting("CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "`120`", "messages a minute from one client address (REST, widget)")
    def rate_limit_per_address_per_minute(self, raw: str) -> int:
        return int(raw or 120)

    @_setting("CAE_RATE_LIMIT_GLOBAL_PER_MINUTE", "`1200`", "messages a minute for the whole service (every channel)")
    def rate_limit_global_per_minute(self, raw: str) -> int:
        return int(raw or 1200)

    @_setting("CAE_RATE_LIMIT_REDIS_URL", "unset (count in memory)", "Redis shared by several Rasa servers for the rate limits and the Telegram/WhatsApp update records (set by `make run-prod`)")
    def rate_limit_redis_url(self, raw: str) -> Optional[str]:
        return raw or None

    @_setting("CAE_TRUSTED_PROXIES", "—", "comma-separated proxy addresses (or networks) whose `X-Forwarded-For` last hop is the client address")
    def trusted_proxies(self, raw: str) -> str:
        return self.env.get("CAE_TRUSTED_PROXIES", "")

    @_setting("CAE_ID_HASH_KEY", "generated into `var/id_hash_key`", "key of the Telegram and WhatsApp pseudonyms")
    def id_hash_key(self, raw: str) -> str:
        return raw

    @_setting("CAE_TELEGRAM_TOKEN", "—", "bot token from BotFather (Telegram is on when this, the name and the webhook URL are set)")
    def telegram_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_TELEGRAM_BOT_NAME", "—", "the bot's username")
    def telegram_bot_name(self, raw: str) -> str:
        return raw

    @_setting("CAE_TELEGRAM_WEBHOOK_URL", "—", "public URL Telegram posts to, ending in `/webhooks/telegram/webhook`")
    def telegram_webhook_url(self, raw: str) -> str:
        return raw

    @_setting("CAE_TELEGRAM_SECRET_TOKEN", "derived from the token", "secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`")
    def telegram_secret_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_TELEGRAM_API_URL", "`https://api.telegram.org`", "Bot API base URL, for every call")
    def telegram_api_url(self, raw: str) -> str:
        return raw or "https://api.telegram.org"

    @_setting("CAE_TELEGRAM_CAE", "unset (network mode)", "the CAE the Telegram bot speaks for (the slug of a `caes/<slug>.yml`), added to every message's metadata")
    def telegram_cae(self, raw: str) -> Optional[str]:
        return raw or None

    @_setting("CAE_TWILIO_ACCOUNT_SID", "—", "Twilio account (WhatsApp is on when the four variables are set)")
    def twilio_account_sid(self, raw: str) -> str:
        return raw

    @_setting("CAE_TWILIO_AUTH_TOKEN", "—", "Twilio auth token (signs the webhooks, authenticates the replies)")
    def twilio_auth_token(self, raw: str) -> str:
        return raw

    @_setting("CAE_TWILIO_WHATSAPP_NUMBER", "—", "the sender, e.g. `whatsapp:+14155238886`")
    def twilio_whatsapp_number(self, raw: str) -> str:
        return raw

    @_setting("CAE_TWILIO_WEBHOOK_URL", "—", "public URL configured at Twilio, ending in `/webhooks/twilio/webhook` (signatures are checked against it)")
    def twilio_webhook_url(self, raw: str) -> str:
        return raw

    @_setting("CAE_TWILIO_API_URL", "`https://api.twilio.com`", "Twilio REST API base URL, for every reply")
    def twilio_api_url(self, raw: str) -> str:
        return raw or "https://api.twilio.com"

    @_setting("CAE_TWILIO_CAE", "unset (network mode)", "the CAE the WhatsApp number speaks for (the slug of a `caes/<slug>.yml`), added to every message's metadata")
    def twilio_cae(self, raw: str) -> Optional[str]:
        return raw or None


def current(env: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings of ``env`` (``os.environ`` when None), read when asked."""
    return Settings(env)


_AT_IMPORT = Settings()
VAR_DIR = _AT_IMPORT.var_dir
MODELS_DIR = _AT_IMPORT.models_dir

HOST = _AT_IMPORT.host
RASA_PORT = _AT_IMPORT.rasa_port
ACTIONS_PORT = _AT_IMPORT.actions_port

# Rasa files used to train the model; everything here is part of the model's
# fingerprint (see bot/training.py). Overridable so that a small copy of the
# training data can be trained in seconds (the dashboard's browser test).
CONFIG_FILE = _AT_IMPORT.config_file
DOMAIN_DIR = _AT_IMPORT.domain_dir
DATA_DIR = _AT_IMPORT.data_dir
# Candidate models trained from the dashboard (bot/learning.py).
CANDIDATES_DIR = _AT_IMPORT.candidates_dir


# --------------------------------------------------------------------------- secrets

# Secret name (its file under var/) -> the setting that gives it instead.
SECRETS = {
    "rasa_token": "CAE_RASA_TOKEN",
    "actions_token": "CAE_ACTIONS_TOKEN",
    "link_secret": "CAE_LINK_SECRET",
    "id_hash_key": "CAE_ID_HASH_KEY",
    "session_key": "CAE_SESSION_KEY",
}


def secret(name: str, env: Optional[Mapping[str, str]] = None, var_dir: Optional[Path] = None) -> str:
    """The secret ``name``: from its setting (``SECRETS``), else a random token
    generated once into ``<var>/<name>`` (owner-only). Two processes starting at
    once agree: the file appears whole (written aside, then linked in place),
    and whoever comes second reads the first one's token."""
    configured = Settings(env).raw(SECRETS[name])
    if configured:
        return configured
    path = Path(var_dir or VAR_DIR) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{name}.{os.getpid()}.{_random.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_random.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def launch_token(name: str, env: MutableMapping[str, str]) -> str:
    """A launcher's token (``bot/rasa/server.py``, ``bot/rasa/action_server.py``):
    the setting ``name`` (``CAE_RASA_TOKEN``, ``CAE_ACTIONS_TOKEN``), removed
    from ``env`` once read so that no child process inherits it, else the file
    named by ``<name>_FILE``; "" when neither is given."""
    config = Settings(env)
    token = config.raw(name)
    env.pop(name, None)
    if not token:
        path = config.raw(f"{name}_FILE")
        if path:
            token = Path(path).read_text().strip()
    return token


def rasa_api_token(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Token protecting Rasa's HTTP API (``?token=``): ``CAE_RASA_TOKEN``, else
    generated once into ``var/rasa_token``. Rasa gets it through the
    environment (bot/rasa/server.py), never on its command line."""
    return secret("rasa_token", env, var_dir)


def actions_token(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Token Rasa sends to the action server (``?token=`` on each call, from the
    generated endpoints file); the action server refuses calls without it.
    ``CAE_ACTIONS_TOKEN``, else generated once into ``var/actions_token``."""
    return secret("actions_token", env, var_dir)


def rasa_api_urls(env: Mapping[str, str] = os.environ) -> list[str]:
    """The Rasa servers whose model the dashboard replaces (``PUT /model``):
    ``CAE_RASA_API_URLS`` (comma-separated, set by bot/servers.py and
    bot/deploy/profile.py for the web app), else the local server."""
    return _csv(Settings(env).raw("CAE_RASA_API_URLS")) or [f"http://{_local(HOST)}:{RASA_PORT}"]


def rasa_api_token_for_web(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """The token the web app uses to call Rasa's API: ``CAE_RASA_API_TOKEN``
    (given to the web app only, by bot/servers.py and bot/deploy/profile.py),
    else the same sources as Rasa's own token."""
    return Settings(env).rasa_api_token or rasa_api_token(env, var_dir)


def tracker_db_url(env: Mapping[str, str] = os.environ, var_dir: Path | None = None) -> str:
    """Where Rasa keeps the conversations: ``CAE_TRACKER_DB_URL``, else
    ``var/tracker.db``. Rasa's endpoints file is generated from it
    (bot/endpoints.py), so Rasa, the dashboard and the privacy tools agree."""
    return Settings(env).raw("CAE_TRACKER_DB_URL") or f"sqlite:///{(var_dir or VAR_DIR) / 'tracker.db'}"


def public_web_url() -> str:
    """Base of the links sent in the chat and e-mails: ``CAE_PUBLIC_WEB_URL``,
    else our web app on this machine."""
    return Settings().public_web_url_setting or f"http://{_local(HOST)}:{Settings().web_port}"
