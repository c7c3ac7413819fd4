#!/usr/bin/env bash
# The scale benchmark: for each size, generate (once, cached) N accounts over 31 days, then
#   1. cold: an empty warehouse, `run` for the 30th day, ingesting all 30 days (what a first
#      deployment or a rebuild does);
#   2. nightly: the 31st day lands and `run` scores it over the existing warehouse;
#   3. the naive peer (self-join of logins on IP, then connected components) on the same bronze
#      logins, under a time limit;
# and, once, the hub case: N accounts plus 100,000 behind one IP, cold and nightly, compared
# with the same N without the hub. Every run is under /usr/bin/time -v with bin/cohortwatch's
# default driver heap. Prints one line per figure ("figure: value"), and keeps the logs.
#
#   bench/run.sh [SIZES]                  default: 1000000 2000000
#   BENCH_DIR=/tmp/cohortwatch-bench      work folder; generated input is cached there
#   NAIVE_LIMIT=900                       seconds the naive peer may take before it is stopped
#   HUB_ACCOUNTS=100000                   hub case (0 to skip); run beside the first size
#   BENCH_SEED=11
#   BENCH_REUSE=1                         a size whose cold and nightly logs are already in BENCH_DIR
#                                         prints those figures (marked "reused") instead of re-running
#                                         them and its naive peer; for measuring the hub alone. Only
#                                         honest when those logs came from the same job code.
#   BENCH_EVENT_LOG=DIR                   write each run's Spark event log there; summarise one with
#                                         bench/stage-profile.py DIR/local-... (slowest stages)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(1000000 2000000); fi
root="${BENCH_DIR:-/tmp/cohortwatch-bench}"
naive_limit="${NAIVE_LIMIT:-900}"
hub="${HUB_ACCOUNTS:-100000}"
seed="${BENCH_SEED:-11}"
cold_date=2026-11-19
nightly_date=2026-11-20
export COHORTWATCH_HMAC_KEY="${COHORTWATCH_HMAC_KEY:-bench-key-not-secret-at-least-32-bytes}"
if [ -n "${BENCH_EVENT_LOG:-}" ]; then
  mkdir -p "$BENCH_EVENT_LOG"
  # spark.* system properties reach the SparkConf the job builds
  export COHORTWATCH_JAVA_OPTS="${COHORTWATCH_JAVA_OPTS:-} -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file:$(cd "$BENCH_EVENT_LOG" && pwd)"
fi
[ -x /usr/bin/time ] || { echo "run.sh: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
mkdir -p "$root"
cw="$here/bin/cohortwatch"
"$cw" --help >/dev/null 2>&1 || true # builds the jar once, outside every timing

figure() { printf '%s: %s\n' "$1" "$2"; }

# wall seconds and peak RSS (MB) from a /usr/bin/time -v file
wall_s() {
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }'
}
rss_mb() { echo $(($(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024)); }
stages() {
  grep -o 'stage [a-z]* took [0-9.]* s' "$1" | sed 's/stage //; s/ took / /; s/ s$/s/' | paste -sd ' '
}
stage_s() { grep -o "stage $2 took [0-9.]* s" "$1" | tail -1 | awk '{print $4}'; }

generate() { # accounts hub_accounts dir
  if [ ! -f "$3/truth/params.json" ]; then
    rm -rf "$3"
    /usr/bin/time -v -o "$3.gen-time" "$cw" generate --out "$3" --accounts "$1" \
      --hub-accounts "$2" --days 31 --end-date "$nightly_date" --seed "$seed" \
      >"$3.gen-log" 2>&1 || { echo "run.sh: generating $3 failed; see $3.gen-log" >&2; exit 1; }
  fi
}

timed_run() { # label dir warehouse date
  local log="$3.$4.log" time="$3.$4.time"
  /usr/bin/time -v -o "$time" "$cw" run --input "$2" --warehouse "$3" --date "$4" >"$log" 2>&1 || {
    echo "run.sh: $1 run failed; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  }
  figure "$1 wall seconds" "$(wall_s "$time")"
  figure "$1 peak driver RSS MB" "$(rss_mb "$time")"
  figure "$1 stage seconds" "$(stages "$log")"
}

reused_run() { # label warehouse date: timed_run's figures, from the logs an earlier run left
  figure "$1 wall seconds (reused from $(date -u -r "$2.$3.time" '+%F %H:%M'))" "$(wall_s "$2.$3.time")"
  figure "$1 stage seconds (reused)" "$(stages "$2.$3.log")"
}

declare -A cold nightly
for n in "${sizes[@]}"; do
  label="${n} accounts"
  dir="$root/in-$n-s$seed"
  wh="$root/wh-$n-s$seed"
  if [ "${BENCH_REUSE:-0}" = 1 ] && [ -f "$wh.$cold_date.time" ] && [ -f "$wh.$nightly_date.time" ]; then
    reused_run "$label cold 30-day run" "$wh" "$cold_date"
    reused_run "$label nightly increment" "$wh" "$nightly_date"
    cold[$n]=$(wall_s "$wh.$cold_date.time")
    nightly[$n]=$(wall_s "$wh.$nightly_date.time")
    continue
  fi
  generate "$n" 0 "$dir"
  figure "$label input" "$(find "$dir/logins" -type f -exec cat {} + | wc -l) login lines over 31 days, $(du -sh "$dir" | cut -f1) on disk, generated in $(wall_s "$dir.gen-time") s"
  rm -rf "$wh"
  timed_run "$label cold 30-day run" "$dir" "$wh" "$cold_date"
  cold[$n]=$(wall_s "$wh.$cold_date.time")
  timed_run "$label nightly increment" "$dir" "$wh" "$nightly_date"
  nightly[$n]=$(wall_s "$wh.$nightly_date.time")
  product_graph=$(awk -v l="$(stage_s "$wh.$nightly_date.log" link)" -v c="$(stage_s "$wh.$nightly_date.log" cluster)" 'BEGIN{print l + c}')

  naive_log="$wh.naive.log"
  start=$(date +%s)
  # timeout is the launcher's parent, and the launcher execs java: the kill reaches the JVM.
  if COHORTWATCH_MAIN=com.cohortwatch.bench.NaiveSelfJoin /usr/bin/time -v -o "$wh.naive.time" \
    timeout --signal=KILL "$naive_limit" "$cw" "$wh" "$nightly_date" 30 >"$naive_log" 2>&1; then
    naive=$(wall_s "$wh.naive.time")
    figure "$label naive self-join peer" "$(grep '^naive self-join' "$naive_log"), ${naive} s wall, peak RSS $(rss_mb "$wh.naive.time") MB"
    figure "$label naive / product nightly" "$(awk -v a="$naive" -v b="${nightly[$n]}" 'BEGIN{printf "%.1fx", a / b}')"
  else
    figure "$label naive self-join peer" "did not finish within ${naive_limit} s (stopped after $(($(date +%s) - start)) s; last line: $(grep -v '^\s*$' "$naive_log" | tail -1 | cut -c1-160))"
    figure "$label naive / product nightly" "more than $(awk -v a="$naive_limit" -v b="${nightly[$n]}" 'BEGIN{printf "%.1fx", a / b}')"
  fi
  figure "$label product link+cluster stage seconds (nightly)" "$product_graph"
done

first="${sizes[0]}"
if [ "${#sizes[@]}" -gt 1 ]; then
  for n in "${sizes[@]:1}"; do
    figure "growth ${n} / ${first} cold" "$(awk -v a="${cold[$n]}" -v b="${cold[$first]}" 'BEGIN{printf "%.2fx", a / b}')"
    figure "growth ${n} / ${first} nightly" "$(awk -v a="${nightly[$n]}" -v b="${nightly[$first]}" 'BEGIN{printf "%.2fx", a / b}')"
  done
fi

if [ "$hub" -gt 0 ]; then
  total=$((first + hub))
  label="${first} accounts + ${hub} on one IP"
  dir="$root/in-$first-hub$hub-s$seed"
  wh="$root/wh-$first-hub$hub-s$seed"
  generate "$total" "$hub" "$dir"
  figure "$label input" "$(find "$dir/logins" -type f -exec cat {} + | wc -l) login lines over 31 days"
  rm -rf "$wh"
  timed_run "$label cold 30-day run" "$dir" "$wh" "$cold_date"
  timed_run "$label nightly increment" "$dir" "$wh" "$nightly_date"
  figure "hub adds, cold" "$(awk -v a="$(wall_s "$wh.$cold_date.time")" -v b="${cold[$first]}" 'BEGIN{printf "%+.0f %%", 100 * (a / b - 1)}')"
  figure "hub adds, nightly" "$(awk -v a="$(wall_s "$wh.$nightly_date.time")" -v b="${nightly[$first]}" 'BEGIN{printf "%+.0f %%", 100 * (a / b - 1)}')"
fi
figure "machine" "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB, $(java -version 2>&1 | head -1), $(date -u +%F)"
