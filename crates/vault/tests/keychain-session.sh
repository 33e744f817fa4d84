#!/bin/sh
# Runs a command against a real Secret Service that nothing else uses: a private D-Bus session bus
# (dbus-run-session) with gnome-keyring's secrets component, its keyrings in a temporary folder,
# unlocked with a throwaway password. The person's own keychain is never touched, and the bus, the
# daemon and the folder are gone when the command ends. Exits with the command's status.
#
#   crates/vault/tests/keychain-session.sh COMMAND [ARGS...]
#   e.g. crates/vault/tests/keychain-session.sh \
#          cargo test -p spconnect-vault --test keychain -- --ignored in_private_session_
# (`cargo test -p spconnect-vault` does the same by itself, through its on_a_private_secret_service.)
#
# Inside, SPCONNECT_KEYCHAIN_SESSION=private tells the vault's keychain tests that they may write.
set -eu

if [ "${1:-}" != --inside-private-session ]; then
  [ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "$0: $tool is not installed. On Debian: apt-get install dbus gnome-keyring" \
        "(scripts/lib/setup.sh installs them)." >&2
      exit 127
    }
  done
  exec dbus-run-session -- "$0" --inside-private-session "$@"
fi
shift

home=$(mktemp -d "${TMPDIR:-/tmp}/spconnect-keychain.XXXXXX")
trap 'rm -rf "$home"' EXIT
export XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" XDG_CONFIG_HOME="$home/config"
export XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"

# --unlock reads the password on stdin and creates the "login" keyring with it (the default
# collection). The daemon leaves with the bus. Tests that restart the daemon read the password here.
export SPCONNECT_TEST_KEYRING_PASSWORD=throwaway-test-keyring-password
if ! printf '%s' "$SPCONNECT_TEST_KEYRING_PASSWORD" \
    | gnome-keyring-daemon --unlock --components=secrets >/dev/null; then
  echo "$0: gnome-keyring-daemon could not start its Secret Service on the private bus" >&2
  exit 1
fi

export SPCONNECT_KEYCHAIN_SESSION=private
status=0
"$@" || status=$?
exit "$status"
