#!/usr/bin/env bash
# The scale benchmark: for each size, generate (once, cached) N accounts over 31 days, then
#   1. cold: an empty warehouse, `run` for the 30th day, ingesting all 30 days (what a first
#      deployment or a rebuild does);
#   2. nightly: the 31st day lands and `run` scores it over the existing warehouse;
#   3. the naive peer (self-join of logins on IP, then connected components) on the same bronze
#      logins, under a time limit;
#   4. for the first size, the week: BENCH_NIGHTS - 1 more nights land one after the other on
#      the same warehouse (the first night is step 2), so days leave the window as they would in
#      production; each night prints its figures and the bytes of the window's rollups beside the
#      bronze that keeps growing (no purge runs);
# and, once, the hub case: N accounts plus 100,000 behind one IP, cold and nightly, compared
# with the same N without the hub. Every run is under /usr/bin/time -v with bin/cohortwatch's
# default driver heap. Prints one line per figure ("figure: value"), and keeps the logs.
#
#   bench/run.sh [SIZES]                  default: 1000000 2000000
#   BENCH_DIR=/tmp/cohortwatch-bench      work folder; generated input is cached there
#   NAIVE_LIMIT=900                       seconds the naive peer may take before it is stopped
#   HUB_ACCOUNTS=100000                   hub case (0 to skip); run beside the first size
#   BENCH_SEED=11
#   BENCH_NIGHTS=7                        nightly runs of the first size (1: only the nightly
#                                         increment). The input then holds 30 + BENCH_NIGHTS days,
#                                         cached apart from the 31-day input of the other sizes
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
nights="${BENCH_NIGHTS:-7}"
[ "$nights" -ge 1 ] 2>/dev/null || { echo "run.sh: BENCH_NIGHTS must be 1 or more" >&2; exit 2; }
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
day_after() { date -u -d "$1 + $2 days" +%F; } # date days

# MB of a partitioned table's folders for the 30 days ending on a date, and of the whole table
window_mb() { # warehouse table date
  local d i folders=()
  for ((i = 0; i < 30; i++)); do
    d="$1/$2/event_date=$(day_after "$3" "-$i")"
    [ -d "$d" ] && folders+=("$d")
  done
  if [ "${#folders[@]}" -gt 0 ]; then du -cms "${folders[@]}" | tail -1 | cut -f1; else echo 0; fi
}
table_mb() { du -ms "$1/$2" | cut -f1; }

stage_s() { grep -o "stage $2 took [0-9.]* s" "$1" | tail -1 | awk '{print $4}'; }

generate() { # accounts hub_accounts dir [nights]: 30 days, then one per night
  local n_nights="${4:-1}"
  if [ ! -f "$3/truth/params.json" ]; then
    rm -rf "$3"
    /usr/bin/time -v -o "$3.gen-time" "$cw" generate --out "$3" --accounts "$1" \
      --hub-accounts "$2" --days $((30 + n_nights)) --end-date "$(day_after "$cold_date" "$n_nights")" --seed "$seed" \
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
  # the first size's input carries the week's nights too
  n_nights=1
  if [ "$n" = "${sizes[0]}" ]; then n_nights="$nights"; fi
  if [ "$n_nights" -gt 1 ]; then
    dir="$root/in-$n-s$seed-d$((30 + n_nights))"
    wh="$root/wh-$n-s$seed-d$((30 + n_nights))"
  fi
  if [ "${BENCH_REUSE:-0}" = 1 ] && [ -f "$wh.$cold_date.time" ] && [ -f "$wh.$nightly_date.time" ]; then
    reused_run "$label cold 30-day run" "$wh" "$cold_date"
    reused_run "$label nightly increment" "$wh" "$nightly_date"
    cold[$n]=$(wall_s "$wh.$cold_date.time")
    nightly[$n]=$(wall_s "$wh.$nightly_date.time")
    continue
  fi
  generate "$n" 0 "$dir" "$n_nights"
  figure "$label input" "$(find "$dir/logins" -type f -exec cat {} + | wc -l) login lines over $((30 + n_nights)) days, $(du -sh "$dir" | cut -f1) on disk, generated in $(wall_s "$dir.gen-time") s"
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

  if [ "$n_nights" -gt 1 ]; then
    walls=()
    for ((k = 1; k <= n_nights; k++)); do
      d="$(day_after "$cold_date" "$k")"
      if [ "$k" -gt 1 ]; then timed_run "$label night $k of $n_nights ($d)" "$dir" "$wh" "$d"; fi
      walls+=("$(wall_s "$wh.$d.time")")
      figure "$label night $k window MB (attribute_daily, co_login_meetings; 30 days)" \
        "$(window_mb "$wh" attribute_daily "$d"), $(window_mb "$wh" co_login_meetings "$d")"
      figure "$label night $k whole tables MB (attribute_daily, co_login_meetings, logins)" \
        "$(table_mb "$wh" attribute_daily), $(table_mb "$wh" co_login_meetings), $(table_mb "$wh" logins)"
    done
    figure "$label week: nightly wall seconds, night 1 to $n_nights" "${walls[*]}"
    figure "$label week: last night / first night" "$(awk -v a="${walls[-1]}" -v b="${walls[0]}" 'BEGIN{printf "%.2fx", a / b}')"
    figure "$label week: slowest night / fastest night" "$(printf '%s\n' "${walls[@]}" | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2fx", hi / lo}')"
  fi
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
