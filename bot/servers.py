"""Start, watch and stop the Rasa server and the action server.

Used by ``make run`` (bot/run.py) and by the end-to-end tests, so both start
the servers the same way.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional

from bot import settings
from bot.training import rasa_environment


@dataclass
class Servers:
    model: Path
    token: str
    host: str = settings.HOST
    rasa_port: int = settings.RASA_PORT
    actions_port: int = settings.ACTIONS_PORT
    endpoints: Path = settings.ROOT / "endpoints.yml"
    credentials: Path = settings.ROOT / "credentials.yml"
    cors: str = "http://127.0.0.1"
    log_dir: Optional[Path] = None  # None: output goes to this terminal
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _logs: list[IO] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

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
                "--cors", self.cors,
            ],
        }

    def start(self) -> None:
        env = rasa_environment()
        env["SANIC_HOST"] = self.host  # the action server's listening address
        for name, command in self.commands().items():
            out: Optional[IO] = None
            if self.log_dir is not None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                out = open(self.log_dir / f"{name}.log", "ab")
                self._logs.append(out)
            self.processes[name] = subprocess.Popen(
                command, cwd=settings.ROOT, env=env, stdout=out,
                stderr=subprocess.STDOUT if out else None,
            )

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.actions_url}/health", timeout=2) as reply:
                if reply.status != 200:
                    return False
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
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self._logs:
            log.close()
        self._logs.clear()
