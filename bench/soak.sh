#!/usr/bin/env bash
# Soak: steady token load for DURATION (default 10 minutes) against the release binary on
# a temp data dir, with events and brute-force detection on, sampling the server's RSS
# every 10 s. Passes when no request failed and memory stayed flat: RSS at the end within
# 10% (plus 2 MiB) of RSS after the first minute. Not part of CI.
#
#   bench/soak.sh                      # 10 minutes, 8 connections
#   DURATION=60 CONNECTIONS=4 bench/soak.sh
#
# Env: DURATION (seconds, 600), CONNECTIONS (8), EVENTS (1: store every login event; 0:
# off, Keycloak's default), SKIP_BUILD=1, OUT (file for the samples, default
# target/bench/soak-<time>.csv). Listens on 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-600}
CONNECTIONS=${CONNECTIONS:-8}
EVENTS=${EVENTS:-1}
[[ $EVENTS == 1 ]] && EVENTS_ON=true || EVENTS_ON=false
BIN=$ROOT/target/release/portcullis
mkdir -p "$ROOT/target/bench"
OUT=${OUT:-$ROOT/target/bench/soak-$(date +%Y%m%d-%H%M%S).csv}
die() { echo "soak.sh: $*" >&2; exit 1; }
say() { echo "soak.sh: $*" >&2; }
[[ $DURATION =~ ^[0-9]+$ ]] && (( DURATION >= 30 && DURATION <= 7200 )) || die "DURATION must be 30..7200 s"

if ! command -v wrk >/dev/null; then
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  timeout 300 "${SUDO[@]}" apt-get install -y wrk >&2 \
    || { timeout 300 "${SUDO[@]}" apt-get update >&2 && timeout 300 "${SUDO[@]}" apt-get install -y wrk >&2; } \
    || die "cannot install wrk"
fi
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  (cd "$ROOT" && cargo build --release -p portcullis-cli) >&2
fi

DATA=$(mktemp -d -t portcullis-soak.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=admin PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$BIN" serve --http-addr "127.0.0.1:$PORT" --data-dir "$DATA" --metrics-enabled > "$DATA/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true) == 200 ]] && break
  sleep 0.1
done
TOKEN=$(curl -sS --fail "$BASE/realms/master/protocol/openid-connect/token" -d grant_type=password \
  -d client_id=admin-cli -d username=admin -d password=admin | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
api() { curl -sS --fail -o /dev/null -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$BASE$2" -d "$3"; }
api POST /admin/realms "{\"realm\":\"soak\",\"enabled\":true,\"bruteForceProtected\":true,\"eventsEnabled\":$EVENTS_ON,\"eventsExpiration\":120}"
api POST /admin/realms/soak/clients '{"clientId":"soak","secret":"soak-secret","serviceAccountsEnabled":true}'

cat > "$DATA/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=soak&client_secret=soak-secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
# RSS, then its parts: anonymous (heap), file-backed (binary, libraries) and shared
# memory (SQLite's WAL index), so that growth can be placed.
rss_kb() { awk '/^(VmRSS|RssAnon|RssFile|RssShmem):/ {printf "%s%s", sep, $2; sep=","}' "/proc/$PID/status"; }
queued() { curl -s "$BASE/metrics" | awk '/^portcullis_events_queued / {print $2; f=1} END {if (!f) print 0}'; }
echo "seconds,rss_kb,anon_kb,file_kb,shmem_kb,events_queued" > "$OUT"
say "load: $CONNECTIONS connections for ${DURATION}s; samples in $OUT"
wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$DATA/post.lua" "$BASE/realms/soak/protocol/openid-connect/token" \
  > "$DATA/wrk.txt" 2>&1 &
WRK=$!
start=$(date +%s)
while kill -0 "$WRK" 2>/dev/null; do
  echo "$(( $(date +%s) - start )),$(rss_kb),$(queued)" >> "$OUT"
  sleep 10
done
wait "$WRK" || die "wrk failed: $(cat "$DATA/wrk.txt")"
kill -0 "$PID" 2>/dev/null || die "the server died: $(tail -20 "$DATA/server.log")"

requests=$(awk '/requests in/ {print $1}' "$DATA/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$DATA/wrk.txt"); non2xx=${non2xx:-0}
socket_errors=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$DATA/wrk.txt"); socket_errors=${socket_errors:-0}
rps=$(awk '/Requests\/sec/ {print $2}' "$DATA/wrk.txt")
mean=$(awk '/Latency/ && !done {print $2; done=1}' "$DATA/wrk.txt")
stored=$(curl -sS -H "Authorization: Bearer $(curl -sS "$BASE/realms/master/protocol/openid-connect/token" -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" \
  "$BASE/admin/realms/soak/events?max=10000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
read -r warm last max < <(awk -F, 'NR > 1 { if ($1 >= 60 && !w) w = $2; l = $2; if ($2 > m) m = $2 } END { print (w ? w : l), l, m }' "$OUT")
echo "soak: ${DURATION}s, $CONNECTIONS connections: $requests requests ($rps/s, mean latency $mean), non-2xx $non2xx, socket errors $socket_errors"
echo "soak: RSS after 1 min ${warm} kB, at the end ${last} kB, max ${max} kB; events stored in the last 120 s window: $stored"
limit=$(( warm + warm / 10 + 2048 ))
if (( non2xx == 0 && socket_errors == 0 && last <= limit )); then
  echo "soak: PASS (no errors; RSS at the end within 10% + 2 MiB of the first minute)"
else
  echo "soak: FAIL (errors, or RSS grew past $limit kB)"
  exit 1
fi
