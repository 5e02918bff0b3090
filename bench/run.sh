#!/usr/bin/env bash
# Token endpoint load benchmark of portcullis against the peer (node oidc-provider), with
# the shared scripts of ../shared/bench (see bench/README.md).
#
#   bench/run.sh                        # 4 rounds (peer/portcullis alternated), 15 s each
#   ROUNDS=2 DURATION=8s bench/run.sh   # a short trial
#
# Steps: release build; a temp data dir bootstrapped through the admin API (realm bench,
# confidential client bench-client/bench-secret with a service account, optional client
# scope api:read); start-to-ready time and idle RSS of portcullis on that data dir;
# openssl speed rsa2048 (one core); then shared compare.sh. Everything listens on
# 127.0.0.1 and every wait is bounded.
#
# Env: ROUNDS (4), DURATION, CONCURRENCY, LOADGEN, WAIT_IDLE_S (passed to the shared
# scripts), SHARED_BENCH (default: <repo>/../shared/bench), START_RUNS (3, start-to-ready
# samples), SKIP_BUILD=1 (use the existing target/release/portcullis), OUT_DIR
# (target/bench: full log of each run).
set -euo pipefail

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }
ROOT=$(repo_root)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
ROUNDS=${ROUNDS:-4}
START_RUNS=${START_RUNS:-3}
OUT_DIR=${OUT_DIR:-$ROOT/target/bench}
BIN=$ROOT/target/release/portcullis
REALM=bench
CLIENT_ID=bench-client
CLIENT_SECRET=bench-secret
SCOPE=api:read
RESOURCE=https://api.example.com
TOKEN_PATH=/realms/$REALM/protocol/openid-connect/token

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }

[[ -x $SHARED_BENCH/compare.sh ]] || die "shared bench scripts not found at $SHARED_BENCH (set SHARED_BENCH)"
SHARED_BENCH=$(cd "$SHARED_BENCH" && pwd)
[[ $ROUNDS =~ ^[0-9]+$ ]] && (( ROUNDS >= 1 && ROUNDS <= 10 )) || die "ROUNDS must be 1..10"
[[ $START_RUNS =~ ^[0-9]+$ ]] && (( START_RUNS >= 1 && START_RUNS <= 10 )) || die "START_RUNS must be 1..10"
for tool in curl python3 openssl; do command -v "$tool" >/dev/null || die "$tool not found"; done

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

mkdir -p "$OUT_DIR"
LOG_FILE=$OUT_DIR/run-$(date +%Y%m%d-%H%M%S).txt
DATA=$(mktemp -d -t portcullis-bench.XXXXXX)
TMP=$(mktemp -d -t portcullis-bench-tmp.XXXXXX)
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
cleanup() { stop_server; rm -rf "$DATA" "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# --- 1. bootstrap the data dir through the admin API -----------------------------------
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
say "bootstrap: portcullis on $BASE, data dir $DATA"
PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=admin PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$BIN" serve --http-addr "127.0.0.1:$PORT" --data-dir "$DATA" > "$TMP/server.log" 2>&1 &
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

api POST /admin/realms "{\"realm\":\"$REALM\"}" > /dev/null
CLIENT_UUID=$(last_segment "$(api POST "/admin/realms/$REALM/clients" \
  "{\"clientId\":\"$CLIENT_ID\",\"secret\":\"$CLIENT_SECRET\",\"serviceAccountsEnabled\":true}")")
SCOPE_ID=$(last_segment "$(api POST "/admin/realms/$REALM/client-scopes" "{\"name\":\"$SCOPE\"}")")
api PUT "/admin/realms/$REALM/clients/$CLIENT_UUID/optional-client-scopes/$SCOPE_ID" > /dev/null

# One token with the benchmark's exact request, decoded, so the setup is visible.
curl -sS --fail-with-body --max-time 10 -u "$CLIENT_ID:$CLIENT_SECRET" "$BASE$TOKEN_PATH" \
  -d grant_type=client_credentials --data-urlencode "scope=$SCOPE" --data-urlencode "resource=$RESOURCE" \
  > "$TMP/token.json" || { cat "$TMP/token.json" >&2; die "client_credentials token request failed"; }
python3 - "$TMP/token.json" >&2 <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
h, p, _ = d["access_token"].split(".")
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
hdr, claims = dec(h), dec(p)
print(f"run.sh: bootstrap ok: token {len(d['access_token'])} chars, alg={hdr.get('alg')} typ={hdr.get('typ')}, "
      f"scope={d.get('scope')!r}, aud={claims.get('aud')!r}, claims={sorted(claims)}")
PY
stop_server

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
def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1
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
print(f"START ready_ms={statistics.median(times):.0f} runs_ms={','.join(f'{t:.0f}' for t in times)} "
      f"rss_idle_kb={statistics.median(rss):.0f}")
PY
) || die "start-to-ready measurement failed"
say "$START_OUT"

# --- 3. physical limit: RSA-2048 signatures per second, one core ------------------------
say "openssl speed -seconds 3 rsa2048 (one core)"
openssl speed -seconds 3 rsa2048 > "$TMP/openssl.txt" 2> "$TMP/openssl.err" || { cat "$TMP/openssl.err" >&2; die "openssl speed failed"; }
RSA_SIGN=$(awk '$1 == "rsa" && $2 == "2048" { v = $(NF - 1) } END { print v }' "$TMP/openssl.txt")
[[ -n $RSA_SIGN ]] || { cat "$TMP/openssl.txt" >&2; die "cannot parse openssl speed output"; }
say "openssl rsa2048 sign/s: $RSA_SIGN ($(openssl version))"

# --- 4. compare.sh: peer and portcullis alternated ---------------------------------------
say "compare.sh --rounds $ROUNDS (LOADGEN=$LOADGEN DURATION=${DURATION:-15s} CONCURRENCY=${CONCURRENCY:-32}); full log: $LOG_FILE"
set +e
"$SHARED_BENCH/compare.sh" --rounds "$ROUNDS" --label PORTCULLIS --token-path "$TOKEN_PATH" \
  -- "$BIN" serve --http-addr '127.0.0.1:{PORT}' --data-dir "$DATA" \
  2> >(tee -a "$LOG_FILE.stderr" >&2) | tee "$TMP/compare.out"
RC=${PIPESTATUS[0]}
set -e
cat "$TMP/compare.out" >> "$LOG_FILE"
[[ $RC == 0 ]] || say "WARNING: compare.sh exited $RC (non-2xx responses or errors in a leg: see $LOG_FILE.stderr)"

# --- 5. summary ------------------------------------------------------------------------
python3 - "$TMP/compare.out" "$START_OUT" "$RSA_SIGN" "$RC" <<'PY' | tee -a "$LOG_FILE"
import re, statistics, sys
out, start, rsa, rc = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
compare, vals = None, {}
for line in open(out):
    if line.startswith("COMPARE "):
        compare = line.strip()
    m = re.match(r"round=\d+ side=(\w+) (\w+) (.*)", line)
    if m:
        side, kind, rest = m.groups()
        for k, v in (p.split("=", 1) for p in rest.split() if "=" in p):
            try:
                vals.setdefault((side, kind, k), []).append(float(v))
            except ValueError:
                pass
med = lambda *k: statistics.median(vals[k]) if k in vals else float("nan")
print("=" * 78)
print(compare or "COMPARE missing (see the log)")
print(f"PORTCULLIS_{start}")
print(f"PORTCULLIS_RSS_BENCH idle_kb={med('server', 'PORTCULLIS_RSS', 'idle_kb'):.0f} "
      f"loaded_kb={med('server', 'PORTCULLIS_RSS', 'loaded_kb'):.0f} (median over legs, idle = after one token)")
for side in ("peer", "server"):
    print(f"{side.upper()}_LOAD non2xx={sum(vals.get((side, 'RESULT', 'non2xx'), [])):.0f} "
          f"errors={sum(vals.get((side, 'RESULT', 'errors'), [])):.0f} "
          f"other_cpu_s_max={max(vals.get((side, 'CPU', 'other_cpu_s'), [float('nan')])):.2f}")
rpc_s, rpc_p = med("server", "CPU", "req_per_server_cpu_s"), med("peer", "CPU", "req_per_server_cpu_s")
print(f"OPENSSL rsa2048_sign_per_s={rsa:.1f} (1 core) "
      f"server_req_per_cpu_s/rsa_sign_per_s={rpc_s / rsa:.2f} peer_req_per_cpu_s/rsa_sign_per_s={rpc_p / rsa:.2f}")
print(f"EXIT compare_rc={rc}")
PY
exit "$RC"
