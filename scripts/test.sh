#!/usr/bin/env bash
# Runs every check and test of the repository: formatting, lints, the Rust unit and
# integration tests (real binary over HTTP), and the end-to-end suite with real
# third-party clients (python-keycloak, PyJWT, requests-oauthlib, Authlib).
# Needs: Rust stable, python3 (3.11) with pip and access to PyPI; installs the rest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (unit + integration against the real binary)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

step "end-to-end with third-party clients"
PORTCULLIS_BIN="$PWD/target/debug/portcullis" scripts/e2e.sh
