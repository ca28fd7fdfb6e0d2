#!/usr/bin/env bash
# Installs everything building Chatdrop needs, from the package registries
# only (cargo-leptos would otherwise try to download its tools and fail
# offline). Idempotent: each step checks first, so a second run takes seconds.
#
#   scripts/setup.sh          build tools
#   scripts/setup.sh --test   build tools, plus Chromium and the browser-test packages
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
export PATH="$HOME/.cargo/bin:$PWD/scripts/tools/node_modules/.bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "Rust is not installed: see https://rustup.rs"
command -v npm >/dev/null || fail "npm is not installed: apt-get install nodejs npm"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes on 2 cores, once)"
  # --ignore-rust-version: its lock file pins crates newer toolchains refuse
  # under plain --locked.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[[ -n "$wasm_bindgen_version" ]] || fail "no wasm-bindgen in Cargo.lock"
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]]; then
  step "Installing wasm-bindgen-cli $wasm_bindgen_version"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

npm_install() { # dir
  if [[ ! -d "$1/node_modules" || "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]]; then
    step "Installing npm packages in $1"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# wasm-opt from npm: Debian's binaryen 108 silently breaks release WASM.
npm_install scripts/tools

if [[ "${1:-}" == "--test" ]]; then
  npm_install end2end
  # The emoji font draws reactions as people see them (screenshots, axe).
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
      || ! fc-list 2>/dev/null | grep -qi emoji; then
    step "Installing Chromium and an emoji font from Debian (browser tests)"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji >/dev/null
    # The first start after installing builds caches and can be slow enough
    # to trip a test's time-out: start it once here.
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
      --disable-background-networking --dump-dom about:blank >/dev/null 2>&1 || true
  fi
  # The suite runs against PostgreSQL too, and the cluster tests fan out
  # over Redis: the tests start their own servers from these packages
  # (nothing needs to be running, and the packages' own services may stay
  # stopped).
  # The browser test of two nodes puts nginx in front of them; the
  # metrics test checks the output with promtool (the prometheus package);
  # the deployment files are checked with systemd-analyze and caddy.
  if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || ! command -v redis-server >/dev/null \
      || [[ ! -x /usr/sbin/nginx ]] || ! command -v promtool >/dev/null \
      || ! command -v systemd-analyze >/dev/null || ! command -v caddy >/dev/null; then
    step "Installing PostgreSQL, Redis, nginx, promtool, systemd-analyze and caddy from Debian (database, cluster, metrics and deployment tests)"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql redis-server nginx prometheus systemd caddy >/dev/null
  fi
fi
