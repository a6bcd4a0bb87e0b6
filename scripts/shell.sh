#!/usr/bin/env bash
# make shell: chat with the assistant in this terminal.
# Uses the action server of a running `make run`, or starts one for the session.
# Rasa's endpoints come from the settings (bot/endpoints.py writes
# var/endpoints.yml: action server address and token, tracker database).
set -euo pipefail
cd "$(dirname "$0")/.."
model="$(.venv/bin/python -m bot.training | tail -n 1)"
endpoints="$(.venv/bin/python -m bot.endpoints)"
port="${CAE_ACTIONS_PORT:-5055}"
actions_pid=""
if ! .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=2)" 2>/dev/null; then
  # The token is read from var/ by the launcher (never on the command line).
  CAE_ACTIONS_TOKEN_FILE="${CAE_VAR_DIR:-var}/actions_token" SANIC_HOST=127.0.0.1 \
    .venv/bin/python -m bot.rasa.action_server --actions actions --port "$port" --quiet &
  actions_pid=$!
  trap 'kill $actions_pid 2>/dev/null || true' EXIT
fi
# Port 5006, so it can run beside `make run` (5005).
.venv/bin/python -m rasa shell --model "$model" --endpoints "$endpoints" --port 5006
