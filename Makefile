# Chatdrop's two entry points (see README.md):
#   make run    install what's missing, build for release, serve on :3000
#   make test   install what's missing, run every test
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/scripts/tools/node_modules/.bin:$(PATH)
# cargo-leptos sets this when it builds the server; setting it for plain
# cargo too keeps `cargo test` from rebuilding Leptos with another value.
export LEPTOS_OUTPUT_NAME := chatdrop

PORT ?= 3000
DATA_DIR ?= data

.PHONY: run test setup setup-test build-release build-debug build-site check-budget test-rust test-browser lint

run: setup build-release
	./target/release/chatdrop --port $(PORT) --data-dir $(DATA_DIR)

# The release build comes first: its WASM must stay within budget, its
# binary is the one the browser test copies alone into an empty folder,
# and its site is what every test serves. The other browser tests run the
# server binary `cargo test` builds (with the site embedded, as release
# binaries have it).
test: setup-test build-release check-budget test-rust test-browser

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

# --precompress: the site is built before the server, which embeds it.
build-release:
	cargo leptos build --release --precompress

build-debug:
	cargo leptos build

# The site only (WASM, CSS, assets): what the tests' server serves.
build-site:
	cargo leptos build --frontend-only

# The integration suite runs twice: on SQLite (the default) and on a
# PostgreSQL server the tests start themselves. The second run selects
# packages as the first does, so it reuses its build (`-p server` would
# resolve features differently and build everything again).
test-rust:
	cargo test --workspace --exclude frontend --features server/embed-site
	CHATDROP_TEST_DATABASE=postgres cargo test --workspace --exclude frontend --features server/embed-site --test api

test-browser:
	cd end2end && CHATDROP_BIN=$(CURDIR)/target/debug/chatdrop \
		CHATDROP_RELEASE_BIN=$(CURDIR)/target/release/chatdrop npm test

# The WASM, brotli-compressed as served, within 250 kB (of the release
# build: `make test` makes it first; rebuilding here would compile the
# server again for nothing).
check-budget:
	scripts/check-wasm-budget.sh

lint:
	scripts/check-cycles.py app/src server/src
	scripts/check-sizes.py 450 app/src server/src frontend/src
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
