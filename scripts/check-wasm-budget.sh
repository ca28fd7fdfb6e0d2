#!/usr/bin/env bash
# Fails when the release WASM, brotli-compressed as it is served, is over
# the budget (250 kB). Run after `cargo leptos build --release` (make
# build-release); CI runs it through `make check-budget`.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${WASM_BUDGET_BYTES:-250000}
wasm=target/site/pkg/chatdrop.wasm
[[ -f "$wasm" ]] || { echo "check-wasm-budget: no $wasm; build the release site first (make build-release)" >&2; exit 1; }
size=$(node -e '
  const zlib = require("zlib");
  const bytes = require("fs").readFileSync(process.argv[1]);
  const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 };
  process.stdout.write(String(zlib.brotliCompressSync(bytes, { params }).length));
' "$wasm")
if (( size > BUDGET )); then
  echo "check-wasm-budget: $wasm is $size bytes brotli, over the budget of $BUDGET" >&2
  exit 1
fi
echo "WASM $size bytes brotli, within the budget of $BUDGET ($((BUDGET - size)) to spare)"
