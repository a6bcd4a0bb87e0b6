#!/usr/bin/env bash
# Installs the Debian packages the tests and servers need, only when missing.
# PostgreSQL: the booking tests start a throw-away cluster with initdb/pg_ctl.
# Node/npm: the chat widget. Chromium: the browser tests.
# Redis and nginx: the production profile (several Rasa servers), see README.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# Chat widget: npm installs it (scripts/setup.sh); the browser test drives Chromium.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Production profile (make run-prod) and its tests: Redis lock store, nginx in front.
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Paquets système manquants: ${missing[*]} (lancez: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
