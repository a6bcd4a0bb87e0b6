#!/usr/bin/env bash
# Installs the Debian packages the tests and servers need, only when missing.
# PostgreSQL: the booking tests start a throw-away cluster with initdb/pg_ctl.
# Node/npm: the chat widget. Chromium: the browser test of the widget page.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# Chat widget: npm installs it (scripts/setup.sh); the browser test drives Chromium.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Paquets système manquants: ${missing[*]} (lancez: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
