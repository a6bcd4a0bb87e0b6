#!/usr/bin/env bash
# make setup: build .venv from Python 3.10 with the locked dependencies.
# Idempotent: returns at once when the lock file and Python did not change.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system_deps.sh

# Chat widget (npm): installed from package-lock.json into node_modules/, served
# by bot/web (no CDN at run time). The widget's bundle carries its own React,
# so peer dependencies are not installed (--legacy-peer-deps, as when the lock
# was made). Quick when package-lock.json did not change.
npm_stamp() { { sha256sum package-lock.json; node --version; } | sha256sum | cut -d' ' -f1; }
if [ ! -f node_modules/.setup-stamp ] || [ "$(cat node_modules/.setup-stamp)" != "$(npm_stamp)" ]; then
  echo "Installation du widget de discussion (npm ci)…"
  npm ci --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error
  npm_stamp > node_modules/.setup-stamp
fi

stamp_of() { { sha256sum requirements.lock; "$1" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1; }

if [ -x .venv/bin/python ] && [ -f .venv/.setup-stamp ] \
   && [ "$(cat .venv/.setup-stamp)" = "$(stamp_of .venv/bin/python)" ]; then
  exit 0
fi

PY310="$(bash scripts/find_python.sh)" || exit 1

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  echo "Création de .venv avec $PY310"
  rm -rf .venv
  "$PY310" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check pip==24.0
echo "Installation des dépendances (requirements.lock)…"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip check
stamp_of .venv/bin/python > .venv/.setup-stamp
echo "Environnement prêt (.venv)."
