#!/usr/bin/env bash
# The macro figures of BENCHMARKS.md, measured in one run so they can be read as ratios:
#  1. the load generator (`conformance bench --mode metadata`) against wrk on the same metadata
#     URL and concurrency, each client pinned to core 1 and the reference server to core 0, so
#     the two clients meet the same server and neither steals the other's CPU;
#  2. the reference server's complete flows/s at 1 and 2 worker threads (unpinned: both cores).
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

rounds="${ROUNDS:-3}"
tmp="$(mktemp -d)"
echo "## Load generator vs wrk (metadata document; median of $rounds alternating ${duration} s runs; server on core 0, client on core 1)"
echo
echo "| concurrency | wrk requests/s | bench requests/s | bench / wrk | wrk CPU µs/request | bench CPU µs/request |"
echo "|---|---|---|---|---|---|"
start_server taskset -c 0 "$server_bin" --port 0 --threads 4
metadata="$url/.well-known/oauth-authorization-server"
# CPU seconds (user + system) of the command, appended to $tmp/cpu.
timed() { /usr/bin/time -f "%U %S" -a -o "$tmp/cpu" "$@"; }
cpu_of_last() { tail -n1 "$tmp/cpu" | awk '{print $1 + $2}'; }
for c in 4 16 64; do
  wrk_runs=() ours_runs=() wrk_cpu=() ours_cpu=()
  # Alternating runs, so a drift in the server's speed reaches both clients alike.
  for round in $(seq "$rounds"); do
    rps="$(timed taskset -c 1 wrk -t1 -c"$c" -d"${duration}s" "$metadata" | awk '/Requests\/sec/ {print $2}')"
    wrk_runs+=("$rps")
    wrk_cpu+=("$(python3 -c "print($(cpu_of_last) * 1e6 / ($rps * $duration))")")
    timed taskset -c 1 "$conformance" bench --base-url "$url" --mode metadata --concurrency "$c" \
      --duration "$duration" --json "$tmp/metadata-$c-$round.json" >/dev/null 2>&1
    rps="$(field "$tmp/metadata-$c-$round.json" requests_per_second)"
    ours_runs+=("$rps")
    ours_cpu+=("$(python3 -c "print($(cpu_of_last) * 1e6 / ($rps * $duration))")")
  done
  wrk_rps="$(median "${wrk_runs[@]}")"
  ours="$(median "${ours_runs[@]}")"
  echo "| $c | $wrk_rps | $ours | $(python3 -c "print(round($ours / $wrk_rps, 2))") | $(median "${wrk_cpu[@]}") | $(median "${ours_cpu[@]}") |"
done
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
rm -rf "$tmp"
