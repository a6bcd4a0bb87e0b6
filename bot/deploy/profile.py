"""The production profile on one machine (``make run-prod``, also used by the
scale-out tests and the benchmark).

- PostgreSQL (a local cluster kept in ``var/prod/pg``): Rasa's SQL tracker store
  (database ``rasa_tracker``) and our data (database ``cae``).
- Redis (``var/prod/redis``): Rasa's lock store, so that two servers never
  handle the same conversation at once.
- Two Rasa servers and two action servers (stateless), behind nginx:
  ``/webhooks/`` goes to the least busy Rasa server (the tracker is shared);
  ``/socket.io/`` sticks to one server per client address (ip_hash), which
  socket.io needs; the action servers sit behind an internal nginx port.
- The web app (widget page, dashboard, API) behind the same nginx port.

Everything listens on 127.0.0.1. Logs go to ``var/prod/logs/``. Every
process but PostgreSQL is supervised (bot/servers.py: restarted with backoff
when it dies); while one Rasa or action server restarts, nginx sends the
traffic to the other one.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot import settings
from bot.channels.credentials import write_credentials
from bot.deploy.postgres import PostgresCluster, find_bin_dir
from bot.endpoints import write_endpoints
from bot.servers import Supervisor, free_port, http_ok
from bot.training import rasa_environment

NGINX = "/usr/sbin/nginx"
REDIS = "redis-server"

NGINX_CONF = """\
worker_processes 1;
pid {base}/nginx/nginx.pid;
error_log {base}/logs/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {base}/nginx/body;
  proxy_temp_path {base}/nginx/proxy;
  fastcgi_temp_path {base}/nginx/fastcgi;
  uwsgi_temp_path {base}/nginx/uwsgi;
  scgi_temp_path {base}/nginx/scgi;
  client_max_body_size 1m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream rasa_any {{ least_conn; {rasa_servers} keepalive 32; }}
  upstream rasa_sticky {{ ip_hash; {rasa_servers} }}
  upstream actions {{ least_conn; {action_servers} keepalive 32; }}
  upstream web {{ server 127.0.0.1:{web_port}; }}
  server {{
    listen 127.0.0.1:{public_port};
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
    }}
    location /webhooks/ {{
      proxy_pass http://rasa_any;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 120s;
    }}
    location / {{
      proxy_pass http://web;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP $remote_addr;
    }}
  }}
  server {{
    listen 127.0.0.1:{actions_port};
    location / {{
      proxy_pass http://actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 60s;
    }}
  }}
}}
"""


def missing_binaries() -> list[str]:
    missing = []
    if find_bin_dir() is None:
        missing.append("postgresql")
    if not Path(NGINX).exists():
        missing.append("nginx")
    if subprocess.run(["which", REDIS], capture_output=True).returncode != 0:
        missing.append("redis-server")
    return missing


@dataclass
class ProdProfile:
    model: Path
    token: str
    base: Path = field(default_factory=lambda: Path(settings.VAR_DIR) / "prod")
    rasa_count: int = 2
    action_count: int = 2
    public_port: int = settings.current().prod_port
    keep_data: bool = True
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.rasa_ports = [free_port() for _ in range(self.rasa_count)]
        self.action_ports = [free_port() for _ in range(self.action_count)]
        self.web_port = free_port()
        self.actions_proxy_port = free_port()
        self.redis_port = free_port()
        self.postgres: Optional[PostgresCluster] = None
        self.supervisor = Supervisor(journal=self.base / "logs" / "supervisor.log")

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        return self.supervisor.processes

    @property
    def actions_token(self) -> str:
        return settings.actions_token(os.environ, self.base)

    # ------------------------------------------------------------------ urls
    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def rest_webhook(self) -> str:
        return f"{self.public_url}/webhooks/rest/webhook"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @property
    def database_url(self) -> str:
        return self.postgres.url_of("cae")

    @property
    def tracker_url(self) -> str:
        return self.postgres.url_of("rasa_tracker")

    # ------------------------------------------------------------------ start / stop
    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        self.supervisor.add(name, command, env, self.base / "logs" / f"{name}.log")

    def _env(self) -> dict:
        env = rasa_environment()
        for secret in ("CAE_RASA_TOKEN", "CAE_ACTIONS_TOKEN", "CAE_RASA_API_TOKEN"):
            env.pop(secret, None)
        env.update({
            "SANIC_HOST": "127.0.0.1",
            "CAE_DATABASE_URL": self.database_url,
            "CAE_TRACKER_DB_URL": self.tracker_url,
            "CAE_PUBLIC_WEB_URL": self.public_url,
            "CAE_PUBLIC_RASA_URL": self.public_url,
            # nginx is the only peer of the web app and the Rasa servers: believe its
            # X-Forwarded-For (login lock-out, per-address rate limit).
            "CAE_TRUSTED_PROXIES": "127.0.0.1",
            # One rate-limit count per conversation across the Rasa servers.
            "CAE_RATE_LIMIT_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/2",
        })
        return env

    def _endpoints(self) -> Path:
        """The same generator as ``make run`` (bot/endpoints.py): actions behind
        nginx, PostgreSQL tracker store, Redis lock store."""
        return write_endpoints(self.base / "endpoints.yml", f"http://127.0.0.1:{self.actions_proxy_port}",
                               self.actions_token, self.tracker_url,
                               f"redis://127.0.0.1:{self.redis_port}/1")

    def _nginx_conf(self) -> Path:
        for sub in ("nginx", "nginx/body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi", "nginx/scgi"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        path = self.base / "nginx" / "nginx.conf"
        path.write_text(NGINX_CONF.format(
            base=self.base, public_port=self.public_port, web_port=self.web_port,
            actions_port=self.actions_proxy_port,
            rasa_servers=" ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in self.rasa_ports),
            action_servers=" ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in self.action_ports),
        ))
        return path

    def start(self) -> None:
        missing = missing_binaries()
        if missing:
            raise RuntimeError(f"missing system packages: {', '.join(missing)} (make setup installs them)")
        (self.base / "logs").mkdir(parents=True, exist_ok=True)
        self.postgres = PostgresCluster(find_bin_dir(), database="cae", databases=("rasa_tracker",),
                                        base_dir=self.base / "pg", port=free_port(), keep=self.keep_data,
                                        durable=self.keep_data).start()
        self._prepare_data()
        (self.base / "redis").mkdir(parents=True, exist_ok=True)
        self._spawn("redis", [REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                              "--dir", str(self.base / "redis"), "--save", "", "--appendonly", "no"],
                    dict(os.environ))
        env = self._env()
        actions_env = {**env, "CAE_ACTIONS_TOKEN": self.actions_token}
        for n, port in enumerate(self.action_ports, 1):
            self._spawn(f"actions-{n}", [sys.executable, "-m", "bot.rasa.action_server", "--actions", "actions",
                                         "--port", str(port)], actions_env)
        credentials = write_credentials(self.base / "credentials.yml", env, "127.0.0.1", self.public_port)
        endpoints = self._endpoints()
        # Rasa's token by environment: command lines are visible to every local user.
        rasa_env = {**env, "CAE_RASA_TOKEN": self.token}
        for n, port in enumerate(self.rasa_ports, 1):
            self._spawn(f"rasa-{n}", [sys.executable, "-m", "bot.rasa.server", "run", "--model", str(self.model),
                                      "--interface", "127.0.0.1", "--port", str(port),
                                      "--endpoints", str(endpoints), "--credentials", str(credentials),
                                      "--enable-api", "--cors", self.public_url], rasa_env)
        # The dashboard loads an activated model into every Rasa server (PUT /model).
        web_env = {**env, "CAE_RASA_API_URLS": ",".join(self.rasa_url(i) for i in range(self.rasa_count)),
                   "CAE_RASA_API_TOKEN": self.token}
        self._spawn("web", [sys.executable, "-m", "bot.web", "--host", "127.0.0.1",
                            "--port", str(self.web_port), "--rasa-url", self.public_url], web_env)
        self._spawn("nginx", [NGINX, "-c", str(self._nginx_conf()), "-p", str(self.base / "nginx"),
                              "-g", "daemon off;"], env)
        self.supervisor.start()

    def _prepare_data(self) -> None:
        """Our migrations, sample sessions, first admin; and Rasa's events table,
        created once here so that two Rasa servers do not race to create it."""
        from sqlalchemy import create_engine

        from bot.booking.sample import load_sample
        from bot.storage.db import Database, upgrade
        from bot.transcripts import EVENTS
        from bot.accounts import ensure_first_admin

        upgrade(self.database_url)
        db = Database(self.database_url)
        try:
            from bot.caes.store import load_profiles
            load_profiles(db)  # ProfileError (French, file and field) stops the start
            if settings.current().sample_data:
                load_sample(db)
            # Kept with this profile's data: var/admin_password is the embedded database's.
            self.admin_password = ensure_first_admin(db, password_file=self.base / "admin_password")
        finally:
            db.dispose()
        engine = create_engine(self.tracker_url)
        EVENTS.metadata.create_all(engine)
        engine.dispose()

    def rasa_ready(self, index: int) -> bool:
        try:
            url = f"{self.rasa_url(index)}/status?token={self.token}"
            with urllib.request.urlopen(url, timeout=2) as reply:
                return bool(json.load(reply).get("model_file"))
        except (OSError, ValueError):
            return False

    def dead(self) -> list[str]:
        """Processes not running at this moment (the supervisor starts them again)."""
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def failing(self, attempts: int = 3) -> list[str]:
        return [c.name for c in self.supervisor.children.values()
                if c.restarts >= attempts and c.delay > self.supervisor.min_delay]

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.failing():
                raise RuntimeError(f"keep stopping during start-up: {', '.join(self.failing())} "
                                   f"(see {self.base}/logs)")
            if (all(self.rasa_ready(i) for i in range(self.rasa_count))
                    and all(http_ok(f"http://127.0.0.1:{p}/health") for p in self.action_ports)
                    and http_ok(f"{self.public_url}/health")):
                return
            time.sleep(1)
        raise TimeoutError(f"production profile not ready after {timeout:.0f} s (see {self.base}/logs)")

    def kill(self, name: str) -> int:
        """SIGKILL one process (the tests); the supervisor starts it again.
        Returns the killed process id."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()
        return process.pid

    def kill_rasa(self, index: int) -> int:
        return self.kill(f"rasa-{index + 1}")

    def kill_actions(self, index: int) -> int:
        return self.kill(f"actions-{index + 1}")

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.processes.items() if proc.poll() is None}

    def stop(self, grace: float = 15) -> None:
        self.supervisor.stop(grace)
        if self.postgres is not None:
            self.postgres.stop()
