#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: pyenv's newest 3.10.x, else
# python3.10 on PATH. Exits 1 with a French hint when there is none.
set -uo pipefail
pyenv_root="${PYENV_ROOT:-}"
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
[ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
candidates=()
for p in $(ls -d "$pyenv_root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do candidates+=("$p"); done
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for p in "${candidates[@]}"; do
  if "$p" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
    echo "$p"
    exit 0
  fi
done
echo "Python 3.10 est introuvable. Rasa 3.6 a besoin de Python 3.10 :" >&2
echo "installez-le avec 'pyenv install 3.10' ou le paquet python3.10 de votre système." >&2
exit 1
