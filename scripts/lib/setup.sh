# Shared set-up for scripts/run and scripts/test: installs whatever is missing, says what it is doing,
# and stops with a clear message when something cannot be installed. Safe to run again and again.
# Sourced, not run: it expects `set -euo pipefail` and the repository root as the working folder.

if [ -t 2 ]; then bold=$'\033[1m' red=$'\033[31m' plain=$'\033[0m'; else bold='' red='' plain=''; fi
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain" >&2; }
fail() { printf '%sspconnect: %s%s\n' "$red" "$*" "$plain" >&2; exit 1; }

# Debian packages to build the app (Tauri on WebKitGTK; libdbus for the vault's Secret Service
# keychain) and to run it.
BUILD_PACKAGES=(build-essential pkg-config file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev)
# To run it without a display, and for the tests: Xvfb, WebDriver for WebKitGTK, screenshots, and
# the Secret Service keychain (gnome-keyring on a private D-Bus: dbus-run-session is in dbus).
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver imagemagick fonts-dejavu-core gnome-keyring dbus
  dbus-x11)

# The WebDriver bridge between the tests and WebKitWebDriver, from crates.io.
TAURI_DRIVER_VERSION=2.1.0
# Vite 8 needs Node 20.19 or newer.
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Where cargo builds: CARGO_TARGET_DIR when set (relative to the repository root), else target/.
TARGET_DIR=${CARGO_TARGET_DIR:-target}
# The Rust toolchain of rust-toolchain.toml.
RUST_TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)

# Whether a Secret Service (the keychain spconnect keeps sign-ins in) is running or can be started
# on the session bus.
secret_service_answers() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 1
  command -v dbus-send >/dev/null || return 1
  local method
  for method in ListNames ListActivatableNames; do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      "org.freedesktop.DBus.$method" 2>/dev/null | grep -q '"org.freedesktop.secrets"' && return 0
  done
  return 1
}

ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "apt-get not found; install these packages by hand: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "need root or sudo to install: ${missing[*]}"
    sudo=(sudo)
  fi
  say "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    "${missing[@]}" >/dev/null || fail "apt-get could not install: ${missing[*]}"
}

# The pinned Rust toolchain. On a machine that cannot download one, an installed stable of the
# same version stands in for it (rustup then finds it under the pinned name).
ensure_rust() {
  command -v rustup >/dev/null \
    || fail "rustup is not installed: install Rust $RUST_TOOLCHAIN from https://rustup.rs"
  if ! RUSTUP_AUTO_INSTALL=0 rustup run "$RUST_TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    local stable_version host home
    stable_version=$(RUSTUP_AUTO_INSTALL=0 rustup run stable rustc --version 2>/dev/null || true)
    if [[ "$stable_version" == "rustc $RUST_TOOLCHAIN "* ]]; then
      host=$(rustup run stable rustc -vV | sed -n 's/^host: //p')
      home=${RUSTUP_HOME:-$HOME/.rustup}
      say "Using the installed stable Rust ($RUST_TOOLCHAIN) as the pinned toolchain"
      ln -sfn "$(rustup run stable rustc --print sysroot)" "$home/toolchains/$RUST_TOOLCHAIN-$host" \
        || fail "could not link the stable toolchain as $RUST_TOOLCHAIN"
    else
      say "Installing Rust $RUST_TOOLCHAIN (rustup)"
      rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal -c rustfmt -c clippy \
        || fail "Rust $RUST_TOOLCHAIN is needed (rust-toolchain.toml): rustup toolchain install $RUST_TOOLCHAIN"
    fi
  fi
  local version
  version=$(cargo --version 2>/dev/null) || fail "cargo does not run: reinstall Rust $RUST_TOOLCHAIN"
  [[ "$version" == "cargo $RUST_TOOLCHAIN "* ]] \
    || fail "cargo is $version, but rust-toolchain.toml pins $RUST_TOOLCHAIN: rustup toolchain install $RUST_TOOLCHAIN"
}

ensure_toolchains() {
  ensure_rust
  cargo fmt --version >/dev/null 2>&1 \
    || fail "rustfmt is missing: rustup component add rustfmt --toolchain $RUST_TOOLCHAIN"
  cargo clippy --version >/dev/null 2>&1 \
    || fail "clippy is missing: rustup component add clippy --toolchain $RUST_TOOLCHAIN"
  command -v node >/dev/null && command -v npm >/dev/null \
    || fail "Node.js is not installed (need Node ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR}+ with npm)"
  local version major minor
  version=$(node --version); version=${version#v}
  major=${version%%.*}; minor=${version#*.}; minor=${minor%%.*}
  if [ "$major" -lt "$NODE_MIN_MAJOR" ] || { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -lt "$NODE_MIN_MINOR" ]; }; then
    fail "Node $version is too old; need ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR} or newer (https://nodejs.org, or Debian's nodejs from NodeSource)"
  fi
}

# npm ci in folder $1 when its node_modules is missing or was installed from another
# package-lock.json; $2 says what is being installed.
ensure_npm_packages() {
  local folder=$1 what=$2 stamp=$1/node_modules/.spconnect-lock-sha256 want
  want=$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing $what (npm ci)"
    npm ci --prefix "$folder" --no-audit --no-fund >/dev/null || fail "npm ci failed in $folder/"
    echo "$want" > "$stamp"
  fi
}

ensure_ui_packages() {
  ensure_npm_packages ui "the UI's npm packages"
}

# Microsoft's MSAL for Node, for the emulator's second independent-client test suite.
MSAL_NODE_TESTS=crates/emulator/tests/independent/node
ensure_msal_node_packages() {
  ensure_npm_packages "$MSAL_NODE_TESTS" "MSAL for Node (the emulator's independent-client tests)"
}

ensure_tauri_driver() {
  if ! tauri-driver --help >/dev/null 2>&1; then
    say "Installing tauri-driver $TAURI_DRIVER_VERSION (cargo install, about two minutes)"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --quiet \
      || fail "cargo install tauri-driver failed"
  fi
}

# The Python packages of the emulator's independent-client (MSAL) and schema-fidelity tests, in a
# virtual environment under target/, reinstalled when the requirements change.
PYTHON_ENV=$TARGET_DIR/pyenv
PYTHON_REQUIREMENTS=crates/emulator/tests/independent/requirements.txt
ensure_python_packages() {
  command -v python3 >/dev/null || fail "python3 is not installed (need Python 3.11 with venv)"
  local stamp=$PYTHON_ENV/.spconnect-requirements-sha256 want
  want=$(sha256sum "$PYTHON_REQUIREMENTS" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  say "Installing the Python test packages (MSAL for Python, OpenAPI validator) into $PYTHON_ENV"
  if ! python3 -m venv "$PYTHON_ENV" >/dev/null 2>&1; then
    ensure_apt python3-venv
    python3 -m venv "$PYTHON_ENV" || fail "python3 -m venv failed"
  fi
  "$PYTHON_ENV/bin/pip" install --quiet --disable-pip-version-check -r "$PYTHON_REQUIREMENTS" \
    || fail "pip could not install $PYTHON_REQUIREMENTS"
  echo "$want" > "$stamp"
}

build_ui() {
  say "Building the UI (vite build → ui/dist)"
  npm --prefix ui run --silent build >/dev/null || fail "the UI build failed (npm --prefix ui run build)"
}
