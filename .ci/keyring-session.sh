#!/bin/sh
# Run a command against a real, unlocked Secret Service in a throwaway
# session, so the real-keyring tests never touch a developer's keyring:
#
#   dbus-run-session -- .ci/keyring-session.sh go test -race ./internal/credentials/...
#
# Needs: dbus (dbus-run-session), gnome-keyring. Debian/Ubuntu:
#   apt-get install -y dbus dbus-user-session gnome-keyring
#
# Always run it under dbus-run-session: without a session bus, go-keyring
# (with dbus-x11 installed) auto-launches a private bus and then hangs
# waiting for an unlock prompt.
set -eu

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
	echo "keyring-session.sh: no D-Bus session; run: dbus-run-session -- $0 $*" >&2
	exit 2
fi
if [ "$#" -eq 0 ]; then
	echo "usage: dbus-run-session -- $0 command [args...]" >&2
	exit 2
fi
command -v gnome-keyring-daemon >/dev/null 2>&1 || {
	echo "keyring-session.sh: gnome-keyring-daemon not found; install gnome-keyring" >&2
	exit 2
}

# Keep Go's caches: they live under HOME, which is about to change, and a
# fresh HOME would mean rebuilding everything and re-downloading modules.
if command -v go >/dev/null 2>&1; then
	GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
	export GOPATH GOCACHE GOMODCACHE
fi

# A throwaway HOME and XDG dirs before the daemon starts: gnome-keyring
# keeps its keyring files in $XDG_DATA_HOME/keyrings and its control
# socket in $XDG_RUNTIME_DIR.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zenctl-keyring.XXXXXX")
chmod 700 "$tmp"
mkdir -m 700 "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/runtime"
export HOME="$tmp/home"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_RUNTIME_DIR="$tmp/runtime"
unset ZENCTL_CONFIG_DIR

# --unlock reads the password on stdin and creates and unlocks the login
# keyring with it, so no prompt can ever appear. It prints VAR=value lines.
out=$(printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize)
eval "$(printf '%s\n' "$out" | sed -n 's/^\([A-Z_][A-Z0-9_]*\)=\(.*\)$/export \1='"'"'\2'"'"'/p')"

export ZENCTL_TEST_REAL_KEYRING=1

# Not exec: the temp dirs hold the keyring files and must be removed. The
# daemon exits with the session bus when dbus-run-session returns.
status=0
"$@" || status=$?
rm -rf "$tmp"
exit "$status"
