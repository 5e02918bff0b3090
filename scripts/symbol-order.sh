#!/usr/bin/env bash
# Regenerates crates/portcullis-cli/symbol-order.txt: the functions that start-up and the
# token path run, which the release link places first and together (see
# crates/portcullis-cli/build.rs for why).
#
#   scripts/symbol-order.sh               # release build, then profile
#   SKIP_BUILD=1 scripts/symbol-order.sh  # profile the existing target/release/portcullis
#
# Steps: a temp data dir with the benchmark's realms (RS256, ES256, EdDSA; client
# bench-client with a service account and the optional scope api:read); the server started
# on it under valgrind's callgrind, which sees every function that runs: start-up, then
# discovery, JWKS, token requests (granted, refused, malformed), introspection and
# revocation per realm; the functions keep the order they have in the binary. Callgrind's
# CPU has no AVX-512, so a short native load under `perf record` adds the functions that
# only this machine's CPU runs (aws-lc's IFMA RSA, say), when perf works here.
# Symbol names carry hashes of the toolchain and of each crate's dependency list, not of
# its source: rerun after updating the toolchain or changing a crate's dependencies
# (bench/run.sh says how many names still match); the linker skips stale names, and
# only the layout suffers.
# Needs: valgrind (apt-get install valgrind), curl, python3; perf optional (linux-perf).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/target/release/portcullis
OUT=$ROOT/crates/portcullis-cli/symbol-order.txt
REQUESTS=${REQUESTS:-50}

die() { echo "symbol-order.sh: $*" >&2; exit 1; }
say() { echo "symbol-order.sh: $*" >&2; }
for tool in valgrind curl python3 openssl; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ $REQUESTS =~ ^[0-9]+$ ]] && (( REQUESTS >= 1 && REQUESTS <= 1000 )) || die "REQUESTS must be 1..1000"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  say "cargo build --release -p portcullis-cli"
  (cd "$ROOT" && cargo build --release -p portcullis-cli) >&2
fi
[[ -x $BIN ]] || die "$BIN missing"

DATA=$(mktemp -d -t portcullis-order.XXXXXX)
TMP=$(mktemp -d -t portcullis-order-tmp.XXXXXX)
PID=
stop() {   # SIGINT (callgrind writes its profile on exit), SIGKILL after 60 s
  local pid=$PID i
  PID=
  [[ -n $pid ]] || return 0
  kill -INT "$pid" 2>/dev/null || return 0
  for (( i = 0; i < 600; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap 'stop; rm -rf "$DATA" "$TMP"' EXIT
PORTCULLIS_MASTER_KEY=$(openssl rand -base64 32)
export PORTCULLIS_MASTER_KEY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
start() {   # start [WRAPPER...]: the server on a free port of 127.0.0.1, waited for
  PORT=$(free_port)
  BASE=http://127.0.0.1:$PORT
  PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=admin PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=admin \
    "$@" "$BIN" serve --http-addr "127.0.0.1:$PORT" --data-dir "$DATA" > "$TMP/server.log" 2>&1 &
  PID=$!
  local i
  for (( i = 0; i < 1200; i++ )); do
    kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "server exited during start"; }
    curl -sf -o /dev/null --max-time 2 "$BASE/health/ready" && return 0
    sleep 0.1
  done
  die "server not ready after 120 s"
}

REALMS=(bench:RS256 bench-es256:ES256 bench-eddsa:EdDSA)
say "bootstrap: realms ${REALMS[*]}"
start
ADMIN=$(curl -sS --fail-with-body --max-time 10 "$BASE/realms/master/protocol/openid-connect/token" \
  -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') || die "admin token request failed"
api() {   # api METHOD PATH [JSON]: the id at the end of the Location header
  local code
  code=$(curl -sS --max-time 10 -X "$1" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    ${3:+--data-binary "$3"} -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' "$BASE$2") || die "$1 $2: curl failed"
  [[ $code == 2* ]] || die "$1 $2: HTTP $code: $(cat "$TMP/b")"
  tr -d '\r' < "$TMP/h" | awk 'tolower($1) == "location:" { print $2 }' | sed 's#.*/##'
}
for pair in "${REALMS[@]}"; do
  realm=${pair%%:*}
  api POST /admin/realms "{\"realm\":\"$realm\",\"defaultSignatureAlgorithm\":\"${pair##*:}\"}" > /dev/null
  client=$(api POST "/admin/realms/$realm/clients" \
    '{"clientId":"bench-client","secret":"bench-secret","serviceAccountsEnabled":true}')
  scope=$(api POST "/admin/realms/$realm/client-scopes" '{"name":"api:read"}')
  api PUT "/admin/realms/$realm/clients/$client/optional-client-scopes/$scope" > /dev/null
done
stop

exercise() {   # what a deployment does after start: every OAuth endpoint, good and bad input
  local pair realm t i
  for pair in "${REALMS[@]}"; do
    realm=$BASE/realms/${pair%%:*}
    curl -sf -o /dev/null "$realm/.well-known/openid-configuration"
    curl -sf -o /dev/null "$realm/protocol/openid-connect/certs"
    for (( i = 0; i < REQUESTS; i++ )); do
      t=$(curl -sf -u bench-client:bench-secret "$realm/protocol/openid-connect/token" -d grant_type=client_credentials \
        --data-urlencode scope=api:read --data-urlencode resource=https://api.example.com)
    done
    t=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["access_token"])' "$t")
    curl -s -o /dev/null -u bench-client:wrong "$realm/protocol/openid-connect/token" -d grant_type=client_credentials
    curl -s -o /dev/null -u bench-client:bench-secret "$realm/protocol/openid-connect/token" -d grant_type=password
    curl -s -o /dev/null "$realm/protocol/openid-connect/token"
    curl -s -o /dev/null -d client_id=bench-client -d client_secret=bench-secret -d grant_type=client_credentials \
      "$realm/protocol/openid-connect/token"
    curl -sf -o /dev/null -u bench-client:bench-secret "$realm/protocol/openid-connect/token/introspect" -d "token=$t"
    curl -sf -o /dev/null -u bench-client:bench-secret "$realm/protocol/openid-connect/revoke" -d "token=$t"
  done
  curl -sf -o /dev/null "$BASE/health/live"
  curl -sf -o /dev/null "$BASE/metrics" || true
}

say "callgrind: start-up and $REQUESTS token requests per realm"
start valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out" --demangle=no --compress-strings=no \
  --dump-instr=no
exercise
stop

NATIVE=$TMP/native.txt
: > "$NATIVE"
if command -v perf >/dev/null && perf record -q -o /dev/null -- true 2>/dev/null; then
  say "perf: native token requests (the CPU's own code paths)"
  start perf record -q -F 2000 -g -o "$TMP/perf.data" --
  REQUESTS=$(( REQUESTS * 4 )) exercise
  stop
  # every symbol of the binary on a sampled stack, not only the leaf
  perf script -i "$TMP/perf.data" -F ip,sym,dso --no-demangle 2>/dev/null \
    | awk -v bin="($BIN)" '$NF == bin { print $2 }' | sed 's/+0x[0-9a-f]*$//' | sort | uniq -c | sort -rn \
    | awk '{ print $2 }' > "$NATIVE" || true
else
  say "perf not usable here: only callgrind's functions"
fi

python3 - "$TMP/callgrind.out" "$BIN" "$NATIVE" "$OUT" <<'PY'
import subprocess, sys
profile, binary, native, out = sys.argv[1:]
# callgrind: "ob=" names the object of the "fn=" lines after it
ran, obj = set(), None
for line in open(profile):
    if line.startswith("ob="):
        obj = line[3:].strip()
    elif line.startswith("fn=") and obj == binary:
        ran.add(line[3:].strip())
address = {}
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        address.setdefault(parts[2], int(parts[0], 16))
profiled = ran & address.keys()
extra = {n for n in (l.strip() for l in open(native)) if n in address} - profiled
# In the binary's own order: packing keeps the neighbours the compiler chose (callers next
# to callees); ordering by cost instead cost ES256 about 3% tokens per CPU-s.
names = sorted(profiled | extra, key=address.__getitem__)
with open(out, "w") as f:
    f.write("# Written by scripts/symbol-order.sh: functions run by start-up and the OAuth endpoints,\n")
    f.write("# in the order the compiler gave them, for the release link (crates/portcullis-cli/build.rs). Do not edit.\n")
    f.writelines(n + "\n" for n in names)
print(f"symbol-order.sh: {len(profiled)} functions from callgrind, {len(extra)} more from perf -> {out}", file=sys.stderr)
PY
