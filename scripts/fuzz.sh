#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ one after another, each for FUZZ_SECONDS (default
# 600), on its corpus in fuzz/corpus/<target>/, then minimises each corpus with
# `cargo fuzz cmin` (hand-written seeds, the files whose names are not a SHA-1, are kept)
# so what is committed stays small. Prints one summary line per target; exits 1 if any
# target found a crash (reproducer in fuzz/artifacts/<target>/).
# Not part of CI. Needs a nightly toolchain; installs cargo-fuzz if absent.
#   FUZZ_SECONDS=60 scripts/fuzz.sh                  # quick pass
#   FUZZ_TARGETS="basic_header" scripts/fuzz.sh      # some targets only
#   nice -n 10 scripts/fuzz.sh                       # on a shared machine
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${FUZZ_SECONDS:-600}"
read -r -a targets <<<"${FUZZ_TARGETS:-token_form basic_header jwt_assertion keycloak_json}"
log_dir="${FUZZ_LOG_DIR:-fuzz/target/fuzz-logs}"
mkdir -p "$log_dir"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# Largest input per target: a token request, a Basic value, a JWT, an admin API body.
max_len() {
  case "$1" in
    token_form) echo 4096 ;;
    basic_header) echo 512 ;;
    jwt_assertion) echo 4096 ;;
    keycloak_json) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# -a: debug assertions and overflow checks on, so arithmetic overflow is a finding too.
fuzz=(cargo +nightly fuzz)
"${fuzz[@]}" build -a

fuzz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

summary=()
failed=0
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  log="$log_dir/$t.log"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  crashes_before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  printf '\n==> %s for %ss (log: %s)\n' "$t" "$seconds" "$log"
  start=$(date +%s)
  status=0
  "${fuzz[@]}" run -a "$t" "$corpus" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$(max_len "$t")" -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  crashes=$(($(find "fuzz/artifacts/$t" -type f | wc -l) - crashes_before))
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  [[ -n "$done_line" ]] && echo "$done_line"
  if ((status != 0)); then
    failed=1
    echo "!! $t exited with status $status; new artifacts: $crashes" >&2
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log" | head -n 5 >&2 || true
  fi
  execs=$(fuzz_stat number_of_executed_units "$log")
  rate=$(fuzz_stat average_exec_per_sec "$log")

  # Minimise: keep the named seeds, let cmin pick the rest, drop hash-named copies of seeds.
  seeds=$(mktemp -d)
  for f in "$corpus"/*; do
    if [[ -f "$f" && ! "$(basename "$f")" =~ ^[0-9a-f]{40}$ ]]; then cp "$f" "$seeds/"; fi
  done
  "${fuzz[@]}" cmin -a "$t" "$corpus" -- -rss_limit_mb=2048 -max_len="$(max_len "$t")" >"$log_dir/$t.cmin.log" 2>&1
  for s in "$seeds"/*; do
    [[ -e "$s" ]] || continue
    cp "$s" "$corpus/"
    rm -f "$corpus/$(sha1sum "$s" | cut -d' ' -f1)"
  done
  rm -rf "$seeds"
  files=$(find "$corpus" -type f | wc -l)
  size=$(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f KiB", s / 1024 }')
  summary+=("$(printf '%-14s executions=%-10s exec/s=%-7s seconds=%-5s corpus=%s files (%s) crashes=%s' \
    "$t" "${execs:-?}" "${rate:-?}" "$elapsed" "$files" "$size" "$crashes")")
done

printf '\n==> summary (FUZZ_SECONDS=%s)\n' "$seconds"
printf '%s\n' "${summary[@]}"
exit "$failed"
