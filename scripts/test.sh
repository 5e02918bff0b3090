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

# The PostgreSQL run (and the multi-instance tests, PostgreSQL-only) need a server: an
# admin URL used only to create and drop one throw-away database per test. Unreachable
# means CI fails, never that PostgreSQL goes untested.
PG_URL="${PORTCULLIS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
step "check PostgreSQL at $(sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$PG_URL")"
if command -v psql >/dev/null 2>&1; then
  pg_check=(psql "$PG_URL" -Atqc 'SELECT 1')
elif command -v pg_isready >/dev/null 2>&1; then
  pg_check=(pg_isready -q -d "$PG_URL")
else
  echo "FAIL: need psql or pg_isready to check PostgreSQL" >&2
  exit 1
fi
if ! "${pg_check[@]}" >/dev/null; then
  echo "FAIL: PostgreSQL is not reachable; start it or set PORTCULLIS_TEST_POSTGRES_URL" >&2
  exit 1
fi

# Run 1: everything on SQLite, except the multi-instance tests, which run in run 2.
step "cargo test on SQLite (unit + integration against the real binary)"
if cargo nextest --version >/dev/null 2>&1; then
  env -u PORTCULLIS_TEST_POSTGRES_URL cargo nextest run --workspace --locked --no-fail-fast \
    -E 'not test(/^multi_instance::/)'
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  env -u PORTCULLIS_TEST_POSTGRES_URL cargo test --workspace --locked --no-fail-fast -- --skip multi_instance::
fi

# Run 2: the store and integration tests again, each on a fresh PostgreSQL database.
step "cargo test on PostgreSQL (store + integration)"
if cargo nextest --version >/dev/null 2>&1; then
  PORTCULLIS_TEST_POSTGRES_URL="$PG_URL" cargo nextest run --locked --no-fail-fast -p portcullis-store -p portcullis-cli
else
  PORTCULLIS_TEST_POSTGRES_URL="$PG_URL" cargo test --locked --no-fail-fast -p portcullis-store -p portcullis-cli
fi

step "examples: archival-service calling messages-service with a token of a real Portcullis"
examples/run.sh

step "end-to-end with third-party clients"
PORTCULLIS_BIN="$PWD/target/debug/portcullis" scripts/e2e.sh
