#!/usr/bin/env bash
# The macro figures of BENCHMARKS.md, measured in one run so they can be read as ratios:
#  1. the load generator (`conformance bench --mode metadata`, its own HTTP/1.1 client and
#     libcurl) against `wrk -t1` on the same metadata URL and concurrency, one thread each: each
#     client pinned to core 1 and the reference server to core 0, so the clients meet the same
#     server and none steals the server's CPU. The ratio to wrk is the median over rounds of
#     each run's ratio to the wrk run just before it;
#  2. the same with two threads each (`--threads 2`, `wrk -t2`), unpinned: clients and server
#     share both cores, as on a machine the generator runs on beside the server;
#  3. the reference server's complete flows/s at 1 and 2 worker threads (unpinned);
#  4. server CPU per complete flow, measured by `--server-pid`: the reference server beside
#     panva's oidc-provider from npm (when tests/interop installed it in the build folder).
# Needs wrk (Debian package `wrk`). Everything runs on loopback and stops by itself.
#   benchmarks/macro.sh                 # 5 s per measurement, 3 rounds, build/default
#   DURATION=10 ROUNDS=5 BUILD=build/other benchmarks/macro.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD:-build/default}"
duration="${DURATION:-5}"
conformance="$build/conformance"
server_bin="$build/reference-server/reference-server"
command -v wrk >/dev/null || { echo "macro.sh needs wrk: apt-get install wrk" >&2; exit 2; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a reference server with the given arguments; sets $url.
start_server() {
  local out
  out="$(mktemp)"
  "$@" >"$out" &
  pids+=("$!")
  for _ in $(seq 100); do
    url="$(head -n1 "$out" 2>/dev/null || true)"
    [ -n "$url" ] && return
    sleep 0.05
  done
  echo "the reference server did not start" >&2
  exit 2
}

# requests/s from a bench JSON file; flows/s likewise.
field() { python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))[sys.argv[2]], 1))" "$1" "$2"; }

median() { python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:])), 1))" "$@"; }
median2() { python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:])), 2))" "$@"; }

rounds="${ROUNDS:-3}"
tmp="$(mktemp -d)"
# CPU seconds (user + system) of the command, appended to $tmp/cpu.
timed() { /usr/bin/time -f "%U %S" -a -o "$tmp/cpu" "$@"; }
cpu_of_last() { tail -n1 "$tmp/cpu" | awk '{print $1 + $2}'; }
per_request() { python3 -c "print(round($(cpu_of_last) * 1e6 / ($1 * $duration), 1))"; }
ratio() { python3 -c "print(round($1 / $2, 2))"; }

# wrk and the generator with both clients on the metadata URL: alternating runs, so a drift in
# the server's speed reaches all three alike. $1: threads; $2: "pin" to put clients on core 1.
compare_with_wrk() {
  local threads="$1" pin=()
  [ "$2" = pin ] && pin=(taskset -c 1)
  echo "| concurrency | wrk | bench (own client) | own / wrk (median of rounds) | bench (libcurl) | libcurl / wrk (median of rounds) | CPU µs/request: wrk, own, libcurl |"
  echo "|---|---|---|---|---|---|---|"
  for c in 16 64; do
    local wrk_runs=() own_runs=() curl_runs=() wrk_cpu=() own_cpu=() curl_cpu=()
    local own_ratios=() curl_ratios=()
    for round in $(seq "$rounds"); do
      rps="$(timed "${pin[@]}" wrk -t"$threads" -c"$c" -d"${duration}s" "$metadata" | awk '/Requests\/sec/ {print $2}')"
      wrk_runs+=("$rps")
      wrk_cpu+=("$(per_request "$rps")")
      for client in builtin libcurl; do
        json="$tmp/metadata-$threads-$c-$round-$client.json"
        timed "${pin[@]}" "$conformance" bench --base-url "$url" --mode metadata --concurrency "$c" \
          --threads "$threads" --http-client "$client" --duration "$duration" --json "$json" >/dev/null 2>&1
        rps="$(field "$json" requests_per_second)"
        # Each client's ratio to the wrk run just before it: a drift of the shared machine
        # between rounds then cancels out of the ratio.
        if [ "$client" = builtin ]; then own_runs+=("$rps"); own_cpu+=("$(per_request "$rps")")
          own_ratios+=("$(ratio "$rps" "${wrk_runs[-1]}")")
        else curl_runs+=("$rps"); curl_cpu+=("$(per_request "$rps")")
          curl_ratios+=("$(ratio "$rps" "${wrk_runs[-1]}")"); fi
      done
    done
    local w o l
    w="$(median "${wrk_runs[@]}")" o="$(median "${own_runs[@]}")" l="$(median "${curl_runs[@]}")"
    echo "| $c | $w | $o | $(median2 "${own_ratios[@]}") | $l | $(median2 "${curl_ratios[@]}") | $(median "${wrk_cpu[@]}"), $(median "${own_cpu[@]}"), $(median "${curl_cpu[@]}") |"
  done
}

echo "## One thread each: load generator vs wrk -t1 (metadata document; requests/s, median of $rounds alternating ${duration} s runs; server on core 0, clients on core 1)"
echo
start_server taskset -c 0 "$server_bin" --port 0 --threads 4
metadata="$url/.well-known/oauth-authorization-server"
compare_with_wrk 1 pin
cleanup
pids=()

echo
echo "## Two threads each: bench --threads 2 vs wrk -t2 (unpinned: clients and server share both cores)"
echo
start_server "$server_bin" --port 0 --threads 4
metadata="$url/.well-known/oauth-authorization-server"
compare_with_wrk 2 share
cleanup
pids=()
echo
echo "## Reference server: complete flows/s (redirect driver, concurrency = threads, ${duration} s each)"
echo
echo "| server threads | flows/s | requests/s | flow p50 ms | flow p99 ms | vs 1 thread |"
echo "|---|---|---|---|---|---|"
base=""
for t in 1 2; do
  start_server "$server_bin" --port 0 --threads "$t"
  "$conformance" bench --base-url "$url" --mode flow --concurrency "$t" \
    --duration "$duration" --json "$tmp/flow-$t.json" >/dev/null 2>&1
  flows="$(field "$tmp/flow-$t.json" flows_per_second)"
  rps="$(field "$tmp/flow-$t.json" requests_per_second)"
  read -r p50 p99 < <(python3 -c "import json,sys; l=json.load(open(sys.argv[1]))['latency_ms']['flow']; print(round(l['p50'],3), round(l['p99'],3))" "$tmp/flow-$t.json")
  base="${base:-$flows}"
  echo "| $t | $flows | $rps | $p50 | $p99 | $(python3 -c "print(round($flows / $base, 2))") |"
  cleanup
  pids=()
done

echo
echo "## Server CPU per complete flow (--server-pid; concurrency 4, ${duration} s each, unpinned)"
echo
echo "| server | flows/s | server CPU ms/flow | server CPU µs/request | generator CPU µs/request |"
echo "|---|---|---|---|---|"
server_cpu_row() { # $1: label, $2: bench JSON
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
cpu = r.get("server_cpu") or {}
print(f"| {sys.argv[1]} | {r['flows_per_second']:.1f} | {cpu.get('ms_per_flow', 0):.3f} | "
      f"{cpu.get('us_per_request', 0):.1f} | {r['generator_cpu']['us_per_request']:.1f} |")
PY
}
start_server "$server_bin" --port 0 --threads 8
"$conformance" bench --base-url "$url" --mode flow --concurrency 4 --duration "$duration" \
  --server-pid "${pids[-1]}" --json "$tmp/cpu-reference.json" >/dev/null 2>&1
server_cpu_row "reference-server (redirect driver)" "$tmp/cpu-reference.json"
cleanup
pids=()
start_server "$server_bin" --port 0 --threads 8 --login-form
"$conformance" bench --base-url "$url" --mode flow --concurrency 4 --duration "$duration" \
  --driver form --form-field username=alice --form-field password=wonderland \
  --server-pid "${pids[-1]}" --json "$tmp/cpu-reference-form.json" >/dev/null 2>&1
server_cpu_row "reference-server --login-form (form driver)" "$tmp/cpu-reference-form.json"
cleanup
pids=()
oidc_dir="$build/tests/interop/oidc-provider"
if [ -d "$oidc_dir/node_modules" ] && command -v node >/dev/null; then
  # server.mjs prints its issuer and stops when its stdin closes: a FIFO held open keeps it up.
  mkfifo "$tmp/stdin"
  sleep 3600 >"$tmp/stdin" &
  pids+=("$!")
  (cd "$oidc_dir" && exec node server.mjs <"$tmp/stdin" >"$tmp/oidc.out" 2>/dev/null) &
  pids+=("$!")
  for _ in $(seq 200); do
    issuer="$(head -n1 "$tmp/oidc.out" 2>/dev/null || true)"
    [ -n "$issuer" ] && break
    sleep 0.05
  done
  "$conformance" bench --base-url "$issuer" --mode flow --concurrency 4 --duration "$duration" \
    --driver form --form-field login=alice --form-field password=wonderland --scope mcp:tools \
    --server-pid "${pids[-1]}" --json "$tmp/cpu-oidc.json" >/dev/null 2>&1
  server_cpu_row "oidc-provider 9.13.3 on Node $(node --version) (form driver)" "$tmp/cpu-oidc.json"
  cleanup
  pids=()
else
  echo "| oidc-provider | not installed: build the interop tests first (ctest -L interop) | | | |"
fi
rm -rf "$tmp"
