#!/usr/bin/env bash
# Runs the whole test suite with the race detector. When this machine can
# start a real Secret Service (dbus-run-session and gnome-keyring-daemon),
# the keyring tests run against it inside a throwaway D-Bus session and
# HOME (see .ci/keyring-session.sh); otherwise they are skipped and say so.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ZENCTL_TEST_REAL_KEYRING:-}" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  echo "scripts/test.sh: starting a real Secret Service (gnome-keyring) in a private D-Bus session" >&2
  exec dbus-run-session -- ./.ci/keyring-session.sh "$0" "$@"
fi

# A race-instrumented test binary otherwise sleeps a second when it exits:
# a second per package, and per zenctl process the tests start.
export GORACE="${GORACE:-atexit_sleep_ms=0}"

skip=()
if [ -n "${ZENCTL_TEST_REAL_KEYRING:-}" ]; then
  # Listed verbosely so a CI log shows that the real-keyring tests ran;
  # the run below skips them rather than running them twice.
  go test -race -count=1 -v -run RealKeyring ./cmd/... ./internal/credentials/...
  skip=(-skip RealKeyring)
else
  echo "scripts/test.sh: dbus-run-session or gnome-keyring-daemon not found: the real-keyring tests will be skipped" >&2
  echo "  (install them with: apt-get install dbus dbus-user-session gnome-keyring)" >&2
fi
exec go test -race "${skip[@]}" "${@:-./...}"
