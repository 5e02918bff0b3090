#!/usr/bin/env bash
# The client-credentials tutorial, end to end: starts Portcullis on a temp data dir,
# creates the realm `sivalabs`, the role ADMIN and the clients `archival-service` (with
# ADMIN) and `reporter` (without) with the portcullis CLI, starts messages-service, and
# has archival-service call it. Fails on any unexpected answer. Ports are chosen free;
# everything started is stopped on exit.
#   examples/run.sh            debug build
#   examples/run.sh --release  release build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

profile=debug
cargo_flags=()
if [[ "${1:-}" == "--release" ]]; then profile=release; cargo_flags=(--release); fi
cargo build "${cargo_flags[@]}" --locked -p portcullis-cli -p messages-service -p archival-service
bin="$PWD/target/$profile"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # URL: until it answers (any status), at most 20 s
  for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "FAIL: $1 did not come up" >&2; return 1
}
fail() { echo "FAIL: $*" >&2; exit 1; }

as_port=$(free_port); api_port=$(free_port); job_port=$(free_port)
server="http://127.0.0.1:$as_port"
issuer="$server/realms/sivalabs"

echo "==> Portcullis on $server"
PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=admin PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=change-me \
  "$bin/portcullis" serve --http-addr "127.0.0.1:$as_port" --data-dir "$work/data" --log warn &
pids+=($!)
wait_for "$server/health/ready"

echo "==> realm, role and clients (portcullis CLI)"
export PORTCULLIS_CONFIG_DIR="$work/cli" PORTCULLIS_PASSWORD=change-me
"$bin/portcullis" login --server "$server" --user admin
"$bin/portcullis" realm create sivalabs >/dev/null
"$bin/portcullis" role create -r sivalabs ADMIN >/dev/null
secret_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])'; }
archival_secret=$("$bin/portcullis" client onboard -r sivalabs archival-service --role ADMIN -o json | secret_of)
reporter_secret=$("$bin/portcullis" client onboard -r sivalabs reporter -o json | secret_of)

echo "==> messages-service on 127.0.0.1:$api_port"
ISSUER="$issuer" ADDR="127.0.0.1:$api_port" "$bin/messages-service" &
pids+=($!)
wait_for "http://127.0.0.1:$api_port/api/messages"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$api_port/api/messages")
[[ "$status" == 401 ]] || fail "messages-service without a token answered $status, not 401"

job_env=(ISSUER="$issuer" MESSAGES_URL="http://127.0.0.1:$api_port")
echo "==> archival-service --once (client with ADMIN): expect 200"
out=$(env "${job_env[@]}" CLIENT_SECRET="$archival_secret" "$bin/archival-service" --once) || fail "archival-service: $out"
echo "$out"
grep -q '"archived":3' <<<"$out" || fail "expected 3 messages archived: $out"

echo "==> the same job as client reporter (no ADMIN): expect 403"
if out=$(env "${job_env[@]}" CLIENT_ID=reporter CLIENT_SECRET="$reporter_secret" "$bin/archival-service" --once); then
  fail "reporter was allowed to archive: $out"
fi
echo "$out"
grep -q '^archive job: 403' <<<"$out" || fail "expected 403: $out"

echo "==> archival-service as a service on 127.0.0.1:$job_port, archiving every second"
env "${job_env[@]}" CLIENT_SECRET="$archival_secret" ADDR="127.0.0.1:$job_port" INTERVAL=1 "$bin/archival-service" &
pids+=($!)
wait_for "http://127.0.0.1:$job_port/status"
sleep 1.5
curl -sf "http://127.0.0.1:$job_port/status" | grep -q '"status":200' || fail "scheduled run: $(curl -s "http://127.0.0.1:$job_port/status")"
curl -sf -X POST "http://127.0.0.1:$job_port/jobs/archive" | grep -q '"archived":0' || fail "run now"
echo "OK: the tutorial runs end to end"
