"""Start, watch and stop the Rasa server, the action server and our web app.

Used by ``make run`` (bot/run.py) and by the end-to-end tests, so both start
the servers the same way.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Optional, Sequence

from bot import settings
from bot.channels import credentials as channel_credentials
from bot.storage.files import PRIVATE_UMASK, private_file
from bot.training import rasa_environment

WEB_PORT = int(os.environ.get("CAE_WEB_PORT", "8000"))


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


class ActionServer:
    """The action server alone, for tools that load the model in-process."""

    def __init__(self, port: int, host: str = settings.HOST) -> None:
        self.url = f"http://{host}:{port}"
        self._command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port), "--quiet"]
        self._env = dict(rasa_environment(), SANIC_HOST=host)

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
    endpoints: Path = settings.ROOT / "endpoints.yml"
    # None: written at start into var/credentials.yml from credentials.yml and
    # the environment (bot/channels/credentials.py).
    credentials: Optional[Path] = None
    # Origins allowed to call Rasa from a browser (widget): None means
    # CAE_ALLOWED_ORIGINS, else the widget page's own origin.
    cors: Optional[Sequence[str]] = None
    web_port: int = WEB_PORT
    # Environment the channels are configured from (default: os.environ).
    env: Optional[Mapping[str, str]] = None
    log_dir: Optional[Path] = None  # None: output goes to this terminal
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _logs: list[IO] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

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
        configured = self.channel_env.get("CAE_PUBLIC_RASA_URL", "").strip()
        return configured.rstrip("/") if configured else f"http://{self._local_host}:{self.rasa_port}"

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
        return {
            "actions": [
                sys.executable, "-m", "rasa_sdk",
                "--actions", "actions", "--port", str(self.actions_port),
            ],
            "rasa": [
                sys.executable, "-m", "rasa", "run",
                "--model", str(self.model),
                "--interface", self.host, "--port", str(self.rasa_port),
                "--endpoints", str(self.endpoints),
                "--credentials", str(self.credentials),
                # The HTTP API (trackers, model, ...) answers only with the token.
                "--enable-api", "--auth-token", self.token,
                "--cors", *self.allowed_origins,
            ],
            "web": [
                sys.executable, "-m", "bot.web",
                "--host", self.host, "--port", str(self.web_port),
                "--rasa-url", self.public_rasa_url,
            ],
        }

    def write_credentials(self) -> Path:
        """The effective channels file, from credentials.yml and the environment."""
        self.credentials = channel_credentials.write_credentials(
            settings.VAR_DIR / "credentials.yml", self.channel_env, self.host, self.web_port,
        )
        return self.credentials

    def start(self) -> None:
        if self.credentials is None:
            self.write_credentials()
        env = rasa_environment()
        if self.env is not None:
            env.update(self.env)
        env["SANIC_HOST"] = self.host  # the action server's listening address
        for name, command in self.commands().items():
            out: Optional[IO] = None
            if self.log_dir is not None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                out = open(private_file(self.log_dir / f"{name}.log"), "ab")
                self._logs.append(out)
            self.processes[name] = subprocess.Popen(
                command, cwd=settings.ROOT, env=env, stdout=out,
                stderr=subprocess.STDOUT if out else None,
                umask=PRIVATE_UMASK,  # the tracker store and our files: owner only
            )

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

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
            if self.dead():
                raise RuntimeError(f"server(s) stopped during start-up: {', '.join(self.dead())}")
            if self._ready():
                return
            time.sleep(1)
        raise TimeoutError(f"servers not ready after {timeout:.0f} s")

    def stop(self, grace: float = 15) -> None:
        stop_processes(self.processes.values(), self._logs, grace)
