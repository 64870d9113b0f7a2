#!/usr/bin/env bash
# Set up a virtualenv with newsmon and its test dependencies, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The browser test drives Debian's headless Chromium (Playwright's download does not work
# offline) and the shared-crawl tests a real redis-server: install them when missing. In CI
# (CI set) a missing browser or Redis fails its tests.
PKGS=""
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  PKGS="chromium chromium-driver"
fi
if ! command -v redis-server >/dev/null; then PKGS="$PKGS redis-server"; fi
if [ -n "$PKGS" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null; then
    echo "installing $PKGS for the browser and shared-crawl tests" >&2
    { $SUDO apt-get update -qq && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS; } \
      >/dev/null || echo "could not install $PKGS: their tests will be skipped" >&2
  fi
fi
if [ -n "${CI:-}" ]; then export NEWSMON_REQUIRE_BROWSER=1; fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
