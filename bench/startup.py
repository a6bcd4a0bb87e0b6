"""How long the servers take to be ready after start (a benchmark: prints figures).

    python -m bench.startup [--runs 3]

Starts the action server, the Rasa server and the web app on free ports with a
fresh var directory (as ``make run`` does), and prints, for each run, the
seconds until each answers: the action server's /health, Rasa's /status with a
loaded model, the web app's /health.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from bot.servers import Servers, free_port, http_ok
from bot.training import ensure_model


def rasa_ready(servers: Servers) -> bool:
    try:
        with urllib.request.urlopen(servers.api_url("/status"), timeout=2) as reply:
            return bool(json.load(reply).get("model_file"))
    except OSError:
        return False


def one_run(model: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        servers = Servers(model=model, token="bench-startup", rasa_port=free_port(), actions_port=free_port(),
                          web_port=free_port(), var_dir=var, log_dir=var / "logs")
        started = time.perf_counter()
        servers.start()
        ready: dict[str, float] = {}
        checks = {"actions": lambda: http_ok(f"{servers.actions_url}/health"),
                  "rasa": lambda: rasa_ready(servers),
                  "web": lambda: http_ok(f"{servers.web_url}/health")}
        try:
            while len(ready) < len(checks) and time.perf_counter() - started < 240:
                for name, check in checks.items():
                    if name not in ready and check():
                        ready[name] = round(time.perf_counter() - started, 1)
                time.sleep(0.2)
        finally:
            servers.stop()
        return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    model = ensure_model()
    for run in range(1, args.runs + 1):
        print(f"run {run}: " + ", ".join(f"{k} {v} s" for k, v in one_run(model).items()), flush=True)


if __name__ == "__main__":
    main()
