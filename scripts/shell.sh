#!/usr/bin/env bash
# make shell: chat with the assistant in this terminal.
# Uses the action server of a running `make run`, or starts one for the session.
set -euo pipefail
cd "$(dirname "$0")/.."
model="$(.venv/bin/python -m bot.training | tail -n 1)"
actions_pid=""
if ! .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=2)" 2>/dev/null; then
  SANIC_HOST=127.0.0.1 .venv/bin/python -m rasa_sdk --actions actions --port 5055 --quiet &
  actions_pid=$!
  trap 'kill $actions_pid 2>/dev/null || true' EXIT
fi
# Port 5006, so it can run beside `make run` (5005).
.venv/bin/python -m rasa shell --model "$model" --endpoints endpoints.yml --port 5006
