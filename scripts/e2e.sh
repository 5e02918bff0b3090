#!/usr/bin/env bash
# End-to-end tests: the real portcullis binary against real third-party clients
# (python-keycloak, PyJWT, requests, requests-oauthlib, Authlib; node jose).
#
#   scripts/e2e.sh [pytest args...]
#
# Needs python3 (>= 3.11) with the venv module, Node.js with npm, and network access to
# PyPI and npm the first time (the node packages go to target/e2e-node).
# The venv lives in target/e2e-venv and is rebuilt only when tests/e2e/requirements.txt
# (or the Python version) changes. The binary is built with cargo unless PORTCULLIS_BIN
# points to one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
REQS="tests/e2e/requirements.txt"
VENV="target/e2e-venv"
STAMP="$VENV/.requirements.stamp"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "e2e: $PYTHON not found; install Python 3.11+ (or set PYTHON)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "e2e: Python >= 3.11 required, found $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi

# What the venv was built from: the requirements and the interpreter.
want_stamp="$( { "$PYTHON" -c 'import sys; print(sys.version)'; cat "$REQS"; } | "$PYTHON" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"

if [[ ! -x "$VENV/bin/python" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want_stamp" ]]; then
    echo "e2e: (re)creating $VENV from $REQS" >&2
    mkdir -p target
    rm -f "$STAMP"
    if ! "$PYTHON" -m venv --clear "$VENV"; then
        echo "e2e: '$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    fi
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQS"
    echo "$want_stamp" >"$STAMP"
fi

# Node packages, from the npm registry, into target/: `jose` for the resource-server
# interop test, `@keycloak/keycloak-admin-client` for the admin journey, `playwright-core`
# for the console's browser tests (it never downloads a browser: Debian's chromium is used),
# `axe-core` for their accessibility checks.
NODE_PACKAGES=("jose@5.10.0" "@keycloak/keycloak-admin-client@26.7.4" "playwright-core@1.65.1" "axe-core@4.14.1")
export JOSE_DIR="$ROOT/target/e2e-node"
for spec in "${NODE_PACKAGES[@]}"; do
    name="${spec%@*}"
    version="${spec##*@}"
    manifest="$JOSE_DIR/node_modules/$name/package.json"
    if [[ -f "$manifest" ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
        continue
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "e2e: npm not found; install Node.js 18+ (with npm)" >&2
        exit 1
    fi
    echo "e2e: installing ${NODE_PACKAGES[*]} into $JOSE_DIR" >&2
    mkdir -p "$JOSE_DIR"
    npm install --prefix "$JOSE_DIR" --no-audit --no-fund --silent "${NODE_PACKAGES[@]}" >&2
    break
done

# Chromium from Debian for the console's browser tests.
if ! command -v chromium >/dev/null 2>&1; then
    echo "e2e: apt-get install -y chromium" >&2
    SUDO=()
    [[ $(id -u) == 0 ]] || SUDO=(sudo)
    timeout 600 "${SUDO[@]}" apt-get install -y chromium >&2 \
        || { timeout 300 "${SUDO[@]}" apt-get update >&2 && timeout 600 "${SUDO[@]}" apt-get install -y chromium >&2; } \
        || { echo "e2e: cannot install chromium" >&2; exit 1; }
fi

if [[ -z "${PORTCULLIS_BIN:-}" ]]; then
    echo "e2e: cargo build -p portcullis-cli" >&2
    cargo build -p portcullis-cli
    PORTCULLIS_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/portcullis"
fi
export PORTCULLIS_BIN

# No .pytest_cache / __pycache__ litter in the source tree.
export PYTHONDONTWRITEBYTECODE=1
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/e2e "$@"
