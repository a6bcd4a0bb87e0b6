"""Start, supervise and stop the Rasa server, the action server and our web app.

Used by ``make run`` (bot/run.py) and by the end-to-end tests, so both start
the servers the same way. A server that dies is started again by
:class:`Supervisor` (exponential backoff, 1 s doubling up to 30 s, back to
1 s once it has run for a minute); the others keep running.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Mapping, Optional, Sequence

from bot import endpoints as rasa_endpoints
from bot import settings
from bot.channels import credentials as channel_credentials
from bot.storage.files import PRIVATE_UMASK, private_file
from bot.training import rasa_environment

WEB_PORT = settings.current().web_port


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def stop_processes(processes, logs: list, grace: float = 15) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; close the log files."""
    processes = list(processes)
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for log in logs:
        log.close()
    logs.clear()

# How the operator reads each process's name in the supervisor's messages.
LABELS = {"actions": "le serveur d'actions", "rasa": "le serveur Rasa", "web": "l'application web",
          "redis": "Redis", "nginx": "nginx"}


def label(name: str) -> str:
    base, _, number = name.partition("-")
    text = LABELS.get(base, name)
    return f"{text} n° {number}" if number else text


@dataclass
class Child:
    name: str
    command: list[str]
    env: Mapping[str, str]
    log_path: Optional[Path] = None
    process: Optional[subprocess.Popen] = None
    log: Optional[IO] = None
    started_at: float = 0.0
    delay: float = 0.0               # the backoff used for the last restart
    restart_at: Optional[float] = None
    restarts: int = 0
    held: bool = False               # kept stopped on purpose (tests)


class Supervisor:
    """Keeps a set of processes running: one that exits is started again after
    ``min_delay`` seconds, doubling at each quick failure up to ``max_delay``,
    back to ``min_delay`` once it has run ``stable_after`` seconds. Messages
    for the operator (in French) go to stderr and to ``journal``."""

    def __init__(self, cwd: Path = settings.ROOT, min_delay: float = 1.0, max_delay: float = 30.0,
                 stable_after: float = 60.0, journal: Optional[Path] = None, period: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cwd, self.min_delay, self.max_delay = cwd, min_delay, max_delay
        self.stable_after, self.journal, self.period, self.clock = stable_after, journal, period, clock
        self.children: dict[str, Child] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def say(self, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} [supervision] {message}"
        print(line, file=sys.stderr, flush=True)
        if self.journal is not None:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with open(self.journal, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    def add(self, name: str, command: Sequence[str], env: Mapping[str, str],
            log_path: Optional[Path] = None) -> None:
        self.children[name] = Child(name, list(command), env, log_path)

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        return {name: c.process for name, c in self.children.items() if c.process is not None}

    def _spawn(self, child: Child) -> None:
        if child.log is not None:
            child.log.close()
            child.log = None
        if child.log_path is not None:
            child.log_path.parent.mkdir(parents=True, exist_ok=True)
            child.log = open(private_file(child.log_path), "ab")
        # umask: the tracker store and every file our servers write are the owner's only.
        child.process = subprocess.Popen(child.command, cwd=self.cwd, env=dict(child.env), stdout=child.log,
                                         stderr=subprocess.STDOUT if child.log else None,
                                         umask=PRIVATE_UMASK)
        child.started_at = self.clock()
        child.restart_at = None

    def start(self, watch: bool = True) -> None:
        """Start every process; ``watch``: restart them from a background thread."""
        with self._lock:
            for child in self.children.values():
                self._spawn(child)
        if watch:
            self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.period):
            try:
                self.check()
            except Exception as error:  # keep supervising whatever happens
                self.say(f"erreur de supervision : {error!r}")

    def check(self) -> None:
        """One pass: notice exits, start again those whose delay is over."""
        with self._lock:
            if self._stopping.is_set():
                return
            now = self.clock()
            for child in self.children.values():
                if child.held or child.process is None:
                    continue
                code = child.process.poll()
                if code is not None and child.restart_at is None:
                    ran = now - child.started_at
                    child.delay = (self.min_delay if ran >= self.stable_after or not child.delay
                                   else min(child.delay * 2, self.max_delay))
                    child.restart_at = now + child.delay
                    self.say(f"Arrêt inattendu : {label(child.name)} (code {code}, après {ran:.0f} s) ; "
                             f"redémarrage dans {child.delay:.0f} s.")
                if code is not None and child.restart_at is not None and now >= child.restart_at:
                    child.restarts += 1
                    self.say(f"Redémarrage : {label(child.name)} (tentative n° {child.restarts}).")
                    try:
                        self._spawn(child)
                    except OSError as error:
                        child.restart_at = now + child.delay
                        self.say(f"Démarrage impossible : {label(child.name)} ({error})")

    def hold(self, name: str) -> None:
        """Stop one process and keep it stopped until :meth:`release`."""
        with self._lock:
            child = self.children[name]
            child.held = True
            if child.process is not None and child.process.poll() is None:
                child.process.kill()
                child.process.wait()

    def release(self, name: str) -> None:
        with self._lock:
            child = self.children[name]
            child.held = False
            if child.process is None or child.process.poll() is not None:
                self._spawn(child)

    def stop(self, grace: float = 15) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            logs = [c.log for c in self.children.values() if c.log is not None]
            for child in self.children.values():
                child.log = None
            stop_processes(self.processes.values(), logs, grace)


class ActionServer:
    """The action server alone, for tools that load the model in-process; pass
    ``token`` to Rasa's ``EndpointConfig`` (the server refuses calls without it)."""

    def __init__(self, port: int, host: str = settings.HOST) -> None:
        import secrets

        self.url = f"http://{host}:{port}"
        self.token = secrets.token_urlsafe(24)
        self._command = [sys.executable, "-m", "bot.rasa.action_server", "--actions", "actions",
                         "--port", str(port), "--quiet"]
        self._env = dict(rasa_environment(), SANIC_HOST=host, CAE_ACTIONS_TOKEN=self.token)

    def __enter__(self) -> "ActionServer":
        self.process = subprocess.Popen(self._command, cwd=settings.ROOT, env=self._env,
                                        umask=PRIVATE_UMASK)
        deadline = time.monotonic() + 60
        while not http_ok(f"{self.url}/health"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError("the action server did not start")
            time.sleep(0.5)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


@dataclass
class Servers:
    model: Path
    token: str
    host: str = settings.HOST
    rasa_port: int = settings.RASA_PORT
    actions_port: int = settings.ACTIONS_PORT
    # Where the generated files (endpoints, credentials, action token) go, and
    # the default tracker database (var_dir/tracker.db).
    var_dir: Path = settings.VAR_DIR
    # None: written at start into var_dir/endpoints.yml from the settings
    # (bot/endpoints.py): action server address and token, tracker store.
    endpoints: Optional[Path] = None
    # None: written at start into var_dir/credentials.yml from credentials.yml and
    # the environment (bot/channels/credentials.py).
    credentials: Optional[Path] = None
    # Origins allowed to call Rasa from a browser (widget): None means
    # CAE_ALLOWED_ORIGINS, else the widget page's own origin.
    cors: Optional[Sequence[str]] = None
    web_port: int = WEB_PORT
    # Environment the servers and channels are configured from (default: os.environ).
    env: Optional[Mapping[str, str]] = None
    log_dir: Optional[Path] = None  # None: output goes to this terminal
    supervisor: Optional[Supervisor] = None

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        return self.supervisor.processes if self.supervisor else {}

    @property
    def rasa_url(self) -> str:
        return f"http://{self._local_host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self._local_host}:{self.actions_port}"

    @property
    def actions_token(self) -> str:
        return settings.actions_token(self.channel_env, self.var_dir)

    @property
    def tracker_url(self) -> str:
        return settings.tracker_db_url(self.channel_env, self.var_dir)

    @property
    def web_url(self) -> str:
        """The widget page, served by our aiohttp app (bot/web)."""
        return f"http://{self._local_host}:{self.web_port}"

    @property
    def _local_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host

    @property
    def channel_env(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env

    @property
    def public_rasa_url(self) -> str:
        """Rasa's URL as a browser sees it (the widget's socket.io server)."""
        configured = settings.current(self.channel_env).public_rasa_url_setting
        return configured if configured else f"http://{self._local_host}:{self.rasa_port}"

    @property
    def allowed_origins(self) -> list[str]:
        if self.cors is not None:
            return list(self.cors)
        return channel_credentials.allowed_origins(self.channel_env, self.host, self.web_port)

    def webhooks(self) -> dict[str, str]:
        """Public webhook URLs of the configured Telegram and WhatsApp channels."""
        found = {}
        telegram = channel_credentials.telegram_settings(self.channel_env)
        if telegram:
            found["telegram"] = telegram["webhook_url"]
        whatsapp = channel_credentials.whatsapp_settings(self.channel_env)
        if whatsapp:
            found["whatsapp"] = whatsapp["webhook_url"]
        return found

    def api_url(self, path: str) -> str:
        """URL of Rasa's HTTP API, which takes the token as a query parameter."""
        return f"{self.rasa_url}{path}?token={urllib.parse.quote(self.token)}"

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def commands(self) -> dict[str, list[str]]:
        """The three servers. No secret here: the tokens go by environment
        (:meth:`environment`), as command lines are visible to every local user."""
        return {
            "actions": [
                sys.executable, "-m", "bot.rasa.action_server",
                "--actions", "actions", "--port", str(self.actions_port),
            ],
            "rasa": [
                sys.executable, "-m", "bot.rasa.server", "run",
                "--model", str(self.model),
                "--interface", self.host, "--port", str(self.rasa_port),
                "--endpoints", str(self.endpoints),
                "--credentials", str(self.credentials),
                # The HTTP API (trackers, model, ...) answers only with the token.
                "--enable-api",
                "--cors", *self.allowed_origins,
            ],
            "web": [
                sys.executable, "-m", "bot.web",
                "--host", self.host, "--port", str(self.web_port),
                "--rasa-url", self.public_rasa_url,
            ],
        }

    def environment(self) -> dict[str, dict[str, str]]:
        """Each server's environment: only Rasa (and, to load new models, the
        web app) gets Rasa's token, only the action server gets its own."""
        env = rasa_environment()
        if self.env is not None:
            env.update(self.env)
        env["SANIC_HOST"] = self.host  # the action server's listening address
        env["CAE_TRACKER_DB_URL"] = self.tracker_url  # the dashboard reads the same database
        for secret in ("CAE_RASA_TOKEN", "CAE_ACTIONS_TOKEN", "CAE_RASA_API_TOKEN"):
            env.pop(secret, None)
        # The web app loads the models activated from the dashboard into Rasa
        # (PUT /model): it gets Rasa's address and token under its own names.
        web = {**env, "CAE_RASA_API_URLS": self.rasa_url, "CAE_RASA_API_TOKEN": self.token}
        return {"actions": {**env, "CAE_ACTIONS_TOKEN": self.actions_token},
                "rasa": {**env, "CAE_RASA_TOKEN": self.token},
                "web": web}

    def write_credentials(self) -> Path:
        """The effective channels file, from credentials.yml and the environment."""
        self.credentials = channel_credentials.write_credentials(
            self.var_dir / "credentials.yml", self.channel_env, self.host, self.web_port,
        )
        return self.credentials

    def write_endpoints(self) -> Path:
        """Rasa's endpoints file, from the settings: this instance's action
        server (address and token) and tracker database."""
        self.endpoints = rasa_endpoints.write_endpoints(
            self.var_dir / "endpoints.yml", self.actions_url, self.actions_token, self.tracker_url,
            settings.current(self.channel_env).lock_redis_url,
        )
        return self.endpoints

    def start(self) -> None:
        if self.credentials is None:
            self.write_credentials()
        if self.endpoints is None:
            self.write_endpoints()
        self.supervisor = Supervisor(journal=self.log_dir / "supervisor.log" if self.log_dir else None)
        envs = self.environment()
        for name, command in self.commands().items():
            log = self.log_dir / f"{name}.log" if self.log_dir is not None else None
            self.supervisor.add(name, command, envs[name], log)
        self.supervisor.start()

    def dead(self) -> list[str]:
        """Servers not running at this moment (the supervisor starts them again)."""
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def failing(self, attempts: int = 3) -> list[str]:
        """Servers that died ``attempts`` times since the start without running
        long enough to count as stable."""
        if self.supervisor is None:
            return []
        return [c.name for c in self.supervisor.children.values()
                if c.restarts >= attempts and c.delay > self.supervisor.min_delay]

    def _ready(self) -> bool:
        if not http_ok(f"{self.actions_url}/health") or not http_ok(f"{self.web_url}/health"):
            return False
        try:
            with urllib.request.urlopen(self.api_url("/status"), timeout=2) as reply:
                return bool(json.load(reply).get("model_file"))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.failing():
                raise RuntimeError(f"server(s) keep stopping during start-up: {', '.join(self.failing())}")
            if self._ready():
                return
            time.sleep(1)
        raise TimeoutError(f"servers not ready after {timeout:.0f} s")

    def stop(self, grace: float = 15) -> None:
        if self.supervisor is not None:
            self.supervisor.stop(grace)
