#!/usr/bin/env bash
# Set up a virtualenv with newsmon, then run the offline demo (serve snapshot, crawl, summarise).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/newsmon demo "$@"
