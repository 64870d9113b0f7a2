#!/usr/bin/env bash
# Set up a virtualenv with newsmon and its test dependencies, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The browser test drives Debian's headless Chromium (Playwright's download does not work
# offline); install it when missing. In CI (CI set) a missing browser fails the test.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null; then
    echo "installing chromium and chromium-driver for the browser test" >&2
    { $SUDO apt-get update -qq && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver; } \
      >/dev/null || echo "could not install chromium: the browser test will be skipped" >&2
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
