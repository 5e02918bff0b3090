#!/usr/bin/env bash
# Token endpoint load benchmark of portcullis against the peer (node oidc-provider), with
# the shared scripts of ../shared/bench (see bench/README.md).
#
#   bench/run.sh                        # 4 rounds (peer/portcullis alternated), 15 s each
#   ROUNDS=2 DURATION=8s bench/run.sh   # a short trial
#
# Steps: release build; a temp data dir bootstrapped through the admin API (realms bench
# (RS256), bench-es256 (ES256) and bench-eddsa (EdDSA), each with the confidential client
# bench-client/bench-secret with a service account and the optional client scope
# api:read); start-to-ready time and idle RSS of portcullis on that data dir; openssl
# speed rsa2048 ecdsap256 ed25519 (one core); then shared compare.sh once per algorithm
# (the peer signs RS256 only); then one summary table. Everything listens on 127.0.0.1
# and every wait is bounded.
#
# Env: ROUNDS (4), DURATION, CONCURRENCY, LOADGEN, WAIT_IDLE_S (passed to the shared
# scripts), SHARED_BENCH (default: <repo>/../shared/bench), START_RUNS (3, start-to-ready
# samples), SKIP_BUILD=1 (use the existing target/release/portcullis), OUT_DIR
# (target/bench: full log of each run), ALGORITHMS ("RS256 ES256 EdDSA": which realms
# get the load), BACKENDS ("sqlite postgres": each gets its own bootstrapped database and
# the load for every algorithm), BENCH_POSTGRES_URL (admin URL used to create and drop the
# benchmark's PostgreSQL database; default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }
ROOT=$(repo_root)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
ROUNDS=${ROUNDS:-4}
START_RUNS=${START_RUNS:-3}
OUT_DIR=${OUT_DIR:-$ROOT/target/bench}
BIN=$ROOT/target/release/portcullis
ALGORITHMS=${ALGORITHMS:-RS256 ES256 EdDSA}
BACKENDS=${BACKENDS:-sqlite postgres}
BENCH_POSTGRES_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
CLIENT_ID=bench-client
CLIENT_SECRET=bench-secret
SCOPE=api:read
RESOURCE=https://api.example.com

realm_of() {   # realm_of ALG: the benchmark realm signing with ALG
  case $1 in
    RS256) echo bench ;;
    ES256) echo bench-es256 ;;
    EdDSA) echo bench-eddsa ;;
    *) return 1 ;;
  esac
}
token_path() { echo "/realms/$1/protocol/openid-connect/token"; }

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }

[[ -x $SHARED_BENCH/compare.sh ]] || die "shared bench scripts not found at $SHARED_BENCH (set SHARED_BENCH)"
SHARED_BENCH=$(cd "$SHARED_BENCH" && pwd)
[[ $ROUNDS =~ ^[0-9]+$ ]] && (( ROUNDS >= 1 && ROUNDS <= 10 )) || die "ROUNDS must be 1..10"
[[ $START_RUNS =~ ^[0-9]+$ ]] && (( START_RUNS >= 1 && START_RUNS <= 10 )) || die "START_RUNS must be 1..10"
for tool in curl python3 openssl; do command -v "$tool" >/dev/null || die "$tool not found"; done
read -r -a ALGS <<< "$ALGORITHMS"
(( ${#ALGS[@]} >= 1 )) || die "ALGORITHMS is empty"
for alg in "${ALGS[@]}"; do realm_of "$alg" > /dev/null || die "unknown algorithm '$alg' in ALGORITHMS (RS256, ES256, EdDSA)"; done
read -r -a BACKS <<< "$BACKENDS"
(( ${#BACKS[@]} >= 1 )) || die "BACKENDS is empty"
for b in "${BACKS[@]}"; do [[ $b == sqlite || $b == postgres ]] || die "unknown backend '$b' in BACKENDS (sqlite, postgres)"; done

# --- load generator: oha when installed, else wrk (installed with apt-get if missing) ---
if [[ -z ${LOADGEN:-} ]]; then
  if command -v oha >/dev/null || [[ -x $HOME/.cargo/bin/oha ]]; then
    LOADGEN=oha
  else
    if ! command -v wrk >/dev/null; then
      say "no load generator (oha, wrk): apt-get install -y wrk"
      SUDO=()
      [[ $(id -u) == 0 ]] || SUDO=(sudo)
      timeout 300 "${SUDO[@]}" apt-get install -y wrk >&2 \
        || { timeout 300 "${SUDO[@]}" apt-get update >&2 && timeout 300 "${SUDO[@]}" apt-get install -y wrk >&2; } \
        || die "cannot install wrk (or: cargo install oha --locked)"
    fi
    LOADGEN=wrk
  fi
fi
export LOADGEN

# --- build ----------------------------------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  say "cargo build --release -p portcullis-cli"
  (cd "$ROOT" && cargo build --release -p portcullis-cli) >&2
fi
[[ -x $BIN ]] || die "$BIN missing (build it or unset SKIP_BUILD)"
# The release link packs the functions named in symbol-order.txt (crates/portcullis-cli/
# build.rs); names go stale with the toolchain and the crates' dependencies.
ORDER=$ROOT/crates/portcullis-cli/symbol-order.txt
if [[ -f $ORDER ]] && command -v nm >/dev/null; then
  found=$(comm -12 <(grep -v '^#' "$ORDER" | sort -u) <(nm --defined-only "$BIN" | awk 'NF == 3 { print $3 }' | sort -u) | wc -l)
  say "symbol order: $found of $(grep -vc '^#' "$ORDER") names of symbol-order.txt are in the binary (few: rerun scripts/symbol-order.sh)"
fi

mkdir -p "$OUT_DIR"
LOG_FILE=$OUT_DIR/run-$(date +%Y%m%d-%H%M%S).txt
DATA=$(mktemp -d -t portcullis-bench.XXXXXX)
TMP=$(mktemp -d -t portcullis-bench-tmp.XXXXXX)
# One master key for every start of the run, whatever the backend (PostgreSQL runs have no
# data dir to keep a generated one in).
PORTCULLIS_MASTER_KEY=$(openssl rand -base64 32)
export PORTCULLIS_MASTER_KEY
SERVER_PID=

stop_server() {   # SIGTERM, SIGKILL after 10 s; only the PID we started
  local pid=$SERVER_PID i
  SERVER_PID=
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for (( i = 0; i < 100; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
PG_DB=
drop_pg_db() {
  [[ -n $PG_DB ]] && psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
cleanup() { stop_server; drop_pg_db; rm -rf "$DATA" "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# backend_args BACKEND: sets BARGS to the serve arguments that select the backend's database
backend_args() {
  case $1 in
    sqlite) BARGS=(--data-dir "$DATA") ;;
    postgres) BARGS=(--database-url "$PG_URL") ;;
  esac
}
if [[ " ${BACKS[*]} " == *" postgres "* ]]; then
  command -v psql >/dev/null || die "psql not found (needed for BACKENDS=postgres)"
  PG_DB=portcullis_bench_$(date +%s)_$$
  psql "$BENCH_POSTGRES_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null \
    || die "cannot create database $PG_DB through BENCH_POSTGRES_URL (is PostgreSQL running?)"
  PG_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$BENCH_POSTGRES_URL" "$PG_DB")
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_ready() {   # wait_ready BASE_URL TIMEOUT_S: /health/ready answers 200
  local base=$1 timeout_s=$2 i
  for (( i = 0; i < timeout_s * 10; i++ )); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "portcullis exited during start"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$base/health/ready" || true) == 200 ]] && return 0
    sleep 0.1
  done
  cat "$TMP/server.log" >&2
  die "portcullis not ready after ${timeout_s}s"
}

# --- 1. bootstrap each backend's database through the admin API ------------------------
bootstrap_backend() {   # bootstrap_backend BACKEND
backend_args "$1"
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
say "bootstrap: portcullis on $BASE, backend $1 (${BARGS[*]})"
PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=admin PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$BIN" serve --http-addr "127.0.0.1:$PORT" "${BARGS[@]}" > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "$BASE" 60

ADMIN_TOKEN=$(curl -sS --fail-with-body --max-time 10 "$BASE/realms/master/protocol/openid-connect/token" \
  -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') \
  || die "admin token request failed"

# api METHOD PATH [JSON]: prints the Location header; fails on a non-2xx answer
api() {
  local method=$1 path=$2 body=${3:-} code
  local args=(-sS --max-time 10 -X "$method" -H "Authorization: Bearer $ADMIN_TOKEN" -D "$TMP/h" -o "$TMP/b" -w '%{http_code}')
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  code=$(curl "${args[@]}" "$BASE$path") || die "$method $path: curl failed"
  [[ $code == 2* ]] || { cat "$TMP/b" >&2; echo >&2; die "$method $path: HTTP $code"; }
  tr -d '\r' < "$TMP/h" | awk 'tolower($1) == "location:" { print $2 }'
}
last_segment() { local loc=$1; [[ -n $loc ]] || die "no Location header"; echo "${loc##*/}"; }

# All three realms exist whatever ALGORITHMS says, so the data dir (and the start-to-ready
# and idle RSS figures) are the same for every selection.
for alg in RS256 ES256 EdDSA; do
  realm=$(realm_of "$alg")
  api POST /admin/realms "{\"realm\":\"$realm\",\"defaultSignatureAlgorithm\":\"$alg\"}" > /dev/null
  CLIENT_UUID=$(last_segment "$(api POST "/admin/realms/$realm/clients" \
    "{\"clientId\":\"$CLIENT_ID\",\"secret\":\"$CLIENT_SECRET\",\"serviceAccountsEnabled\":true}")")
  SCOPE_ID=$(last_segment "$(api POST "/admin/realms/$realm/client-scopes" "{\"name\":\"$SCOPE\"}")")
  api PUT "/admin/realms/$realm/clients/$CLIENT_UUID/optional-client-scopes/$SCOPE_ID" > /dev/null

  # One token with the benchmark's exact request, decoded, so the setup is visible.
  curl -sS --fail-with-body --max-time 10 -u "$CLIENT_ID:$CLIENT_SECRET" "$BASE$(token_path "$realm")" \
    -d grant_type=client_credentials --data-urlencode "scope=$SCOPE" --data-urlencode "resource=$RESOURCE" \
    > "$TMP/token.json" || { cat "$TMP/token.json" >&2; die "$realm: client_credentials token request failed"; }
  python3 - "$TMP/token.json" "$realm" "$alg" >&2 <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
realm, alg = sys.argv[2], sys.argv[3]
h, p, _ = d["access_token"].split(".")
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
hdr, claims = dec(h), dec(p)
if hdr.get("alg") != alg:
    sys.exit(f"run.sh: realm {realm}: token alg {hdr.get('alg')}, expected {alg}")
print(f"run.sh: bootstrap ok: realm {realm}: token {len(d['access_token'])} chars, alg={hdr.get('alg')} "
      f"typ={hdr.get('typ')}, scope={d.get('scope')!r}, aud={claims.get('aud')!r}, claims={sorted(claims)}")
PY
done
stop_server
}
for backend in "${BACKS[@]}"; do bootstrap_backend "$backend"; done


# --- 2. start-to-ready and idle RSS on the existing data dir ---------------------------
# Python spawns the server and polls /health/ready every 2 ms, so the figure is not
# inflated by curl's process start; VmRSS is read 1 s after ready, before any request.
START_OUT=$(python3 - "$BIN" "$DATA" "$START_RUNS" <<'PY'
import http.client, socket, statistics, subprocess, sys, time
bin_, data, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/health/ready")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False
def rss_kb(pid):   # VmRSS and its private (RssAnon) and file-backed (RssFile) parts, KiB
    kb = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            kb[key] = int(value.split()[0])
    return kb
times, rss = [], []
for _ in range(runs):
    port = free_port()
    t0 = time.monotonic()
    p = subprocess.Popen([bin_, "serve", "--http-addr", f"127.0.0.1:{port}", "--data-dir", data],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if p.poll() is not None:
                sys.exit(f"run.sh: portcullis exited during start (status {p.returncode})")
            if time.monotonic() - t0 > 30:
                sys.exit("run.sh: portcullis not ready after 30 s")
            time.sleep(0.002)
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(1)
        rss.append(rss_kb(p.pid))
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill(); p.wait()
med = lambda key: statistics.median(r.get(key, -1) for r in rss)
print(f"START ready_ms={statistics.median(times):.0f} runs_ms={','.join(f'{t:.0f}' for t in times)} "
      f"rss_idle_kb={med('VmRSS'):.0f} rss_anon_kb={med('RssAnon'):.0f} rss_file_kb={med('RssFile'):.0f}")
PY
) || die "start-to-ready measurement failed"
say "$START_OUT"

# --- 3. physical limit: signatures per second of each algorithm, one core ---------------
say "openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 (one core)"
# sign/s is the first rate column; OpenSSL 3.2+ adds encr./s and decr./s after verify/s for
# RSA, so the column is found from the header line above each result.
# sign_rates FILE DIVISOR: "RS256=… ES256=… EdDSA=…", each rate divided by DIVISOR
sign_rates() {
python3 - "$1" "$2" <<'PY'
import sys
rates, header = {}, []
for line in open(sys.argv[1]):
    t = line.split()
    if "sign/s" in t:
        header = t
        continue
    if not header or not t:
        continue
    name = ("RS256" if t[0] == "rsa" and t[1] == "2048" else "ES256" if "(nistp256)" in t
            else "EdDSA" if "(Ed25519)" in t else None)
    if name:
        n_rates = sum(1 for h in header if h.endswith("/s"))
        rates[name] = float(t[len(t) - n_rates + header[-n_rates:].index("sign/s")]) / float(sys.argv[2])
missing = {"RS256", "ES256", "EdDSA"} - rates.keys()
if missing:
    sys.exit(f"cannot parse openssl speed output for {sorted(missing)}")
print(" ".join(f"{k}={v:.1f}" for k, v in rates.items()))
PY
}
openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 > "$TMP/openssl.txt" 2> "$TMP/openssl.err" \
  || { cat "$TMP/openssl.err" >&2; die "openssl speed failed"; }
SIGN_PER_S=$(sign_rates "$TMP/openssl.txt" 1) || { cat "$TMP/openssl.txt" >&2; die "cannot parse openssl speed output"; }
# The same with every core signing at once, per core: under load the server signs on all
# cores, which share caches, power and turbo headroom, so each signs somewhat slower.
CORES=$(nproc)
openssl speed -seconds 3 -multi "$CORES" rsa2048 ecdsap256 ed25519 > "$TMP/openssl-multi.txt" 2> "$TMP/openssl.err" \
  || { cat "$TMP/openssl.err" >&2; die "openssl speed -multi failed"; }
SIGN_PER_S_ALL=$(sign_rates "$TMP/openssl-multi.txt" "$CORES") \
  || { cat "$TMP/openssl-multi.txt" >&2; die "cannot parse openssl speed -multi output"; }
say "openssl sign/s per core with all $CORES cores signing: $SIGN_PER_S_ALL"
say "openssl sign/s, one core: $SIGN_PER_S ($(openssl version))"

# --- 4. compare.sh per algorithm: peer (RS256) and portcullis alternated -----------------
RC=0
RUN_KEYS=()
for backend in "${BACKS[@]}"; do
backend_args "$backend"
for alg in "${ALGS[@]}"; do
  realm=$(realm_of "$alg")
  key=$backend-$alg
  RUN_KEYS+=("$key")
  say "$alg on $backend: compare.sh --rounds $ROUNDS --token-path $(token_path "$realm") (LOADGEN=$LOADGEN DURATION=${DURATION:-15s} CONCURRENCY=${CONCURRENCY:-32}); full log: $LOG_FILE"
  set +e
  "$SHARED_BENCH/compare.sh" --rounds "$ROUNDS" --label PORTCULLIS --token-path "$(token_path "$realm")" \
    -- "$BIN" serve --http-addr '127.0.0.1:{PORT}' "${BARGS[@]}" \
    2> >(tee -a "$LOG_FILE.stderr" >&2) | tee "$TMP/compare-$key.out"
  rc=${PIPESTATUS[0]}
  set -e
  sed "s/^/backend=$backend alg=$alg /" "$TMP/compare-$key.out" >> "$LOG_FILE"
  if [[ $rc != 0 ]]; then
    RC=$rc
    say "WARNING: $alg on $backend: compare.sh exited $rc (non-2xx responses or errors in a leg: see $LOG_FILE.stderr)"
  fi
done
done

# --- 5. summary ------------------------------------------------------------------------
python3 - "$TMP" "$START_OUT" "$SIGN_PER_S" "$SIGN_PER_S_ALL" "$RC" "${RUN_KEYS[@]}" <<'PY' | tee -a "$LOG_FILE"
import math, re, statistics, sys
tmp, start, sign_s, sign_s_all, rc, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
limit = {k: float(v) for k, v in (p.split("=") for p in sign_s.split())}
limit_all = {k: float(v) for k, v in (p.split("=") for p in sign_s_all.split())}
nan = float("nan")

def load(path):
    compare, vals = None, {}
    for line in open(path):
        if line.startswith("COMPARE "):
            compare = line.strip()
        m = re.match(r"round=\d+ side=(\w+) (\w+) (.*)", line)
        if m:
            side, kind, rest = m.groups()
            kind = "RSS" if kind.endswith("_RSS") else kind
            for k, v in (p.split("=", 1) for p in rest.split() if "=" in p):
                try:
                    vals.setdefault((side, kind, k), []).append(float(v))
                except ValueError:
                    pass
    return compare, vals

# key = "backend-ALG"
runs = {key: load(f"{tmp}/compare-{key}.out") for key in keys}
med = lambda vals, *k: statistics.median(vals[k]) if vals.get(k) else nan
div = lambda a, b: a / b if b and not math.isnan(b) else nan
f = lambda x, nd=0: "nan" if math.isnan(x) else f"{x:.{nd}f}"

rows = []
def row(name, vals, side, alg, peer_rps):
    rps, rpc = med(vals, side, "RESULT", "rps"), med(vals, side, "CPU", "req_per_server_cpu_s")
    rows.append([name, f(rps, 1), f(med(vals, side, "RESULT", "p50_ms"), 2), f(med(vals, side, "RESULT", "p99_ms"), 2),
                 f(rpc), f"{f(med(vals, side, 'RSS', 'idle_kb'))}/{f(med(vals, side, 'RSS', 'loaded_kb'))}",
                 f(limit[alg]), f(div(rpc, limit[alg]), 2), f(div(rpc, limit_all[alg]), 2), f(div(rps, peer_rps), 2)])

# The peer row pools the peer legs of every compare.sh run; each portcullis row's ratio is
# to the peer legs of its own run (same machine conditions).
pooled = {}
for _, vals in runs.values():
    for k, v in vals.items():
        if k[0] == "peer":
            pooled.setdefault(k, []).extend(v)
row("peer RS256", pooled, "peer", "RS256", med(pooled, "peer", "RESULT", "rps"))
for key, (_, vals) in runs.items():
    backend, alg = key.split("-", 1)
    row(f"portcullis {alg} {backend}", vals, "server", alg, med(vals, "peer", "RESULT", "rps"))

head = ["algorithm", "tokens/s", "p50 ms", "p99 ms", "req per server CPU-s", "RSS idle/loaded KB",
        "signing limit (1 core sign/s)", "ratio to limit", "ratio to limit, all cores signing",
        "ratio to peer tokens/s"]
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
line = lambda cells: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(cells)) + " |"
print("=" * 78)
for key, (compare, _) in runs.items():
    print(f"{key} {compare or 'COMPARE missing (see the log)'}")
print(f"PORTCULLIS_{start}")
print(f"OPENSSL sign_per_s_1_core {sign_s}")
print(f"OPENSSL sign_per_s_per_core_all_cores_signing {sign_s_all}")
print(line(head))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in rows:
    print(line(r))
print("ratio to limit = req per server CPU-s / openssl sign/s of the algorithm on one core "
      "(1.0 = a token costs one OpenSSL signature of CPU and nothing else); ratio to limit, all cores signing = "
      "the same against openssl speed -multi <cores>, per core (the signature's cost under load); "
      "ratio to peer = tokens/s / the peer's RS256 tokens/s in the same compare.sh run.")
for key, (_, vals) in runs.items():
    for side in ("peer", "server"):
        print(f"LOAD run={key} side={side} non2xx={sum(vals.get((side, 'RESULT', 'non2xx'), [])):.0f} "
              f"errors={sum(vals.get((side, 'RESULT', 'errors'), [])):.0f} "
              f"other_cpu_s_max={max(vals.get((side, 'CPU', 'other_cpu_s'), [nan])):.2f}")
print(f"EXIT compare_rc={rc}")
PY
exit "$RC"
