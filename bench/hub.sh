#!/usr/bin/env bash
# Memory safety at a hub: 100,000 accounts behind one mobile carrier address (every login of theirs
# from that single IP) plus an ordinary platform around them, run by bin/cohortwatch with its
# default driver memory. A job that made pairs of the hub's accounts would need ~5e9 pairs and run
# out of memory; this prints what the job actually needed.
#
#   bench/hub.sh [HUB_ACCOUNTS] [OTHER_ACCOUNTS] [DAYS]     (defaults 100000 5000 14)
#
# Work folder: $BENCH_DIR (default /tmp/cohortwatch-bench/hub); generated input is cached there.
# Prints one line per figure.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
hub="${1:-100000}"
others="${2:-5000}"
days="${3:-14}"
work="${BENCH_DIR:-/tmp/cohortwatch-bench}/hub-$hub-$others-$days"
export COHORTWATCH_HMAC_KEY="${COHORTWATCH_HMAC_KEY:-bench-key-not-secret-at-least-32-bytes}"
[ -x /usr/bin/time ] || { echo "hub.sh: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
mkdir -p "$work"

if [ ! -f "$work/in/truth/params.json" ]; then
  rm -rf "$work/in"
  "$here/bin/cohortwatch" generate --out "$work/in" --accounts $((hub + others)) \
    --hub-accounts "$hub" --days "$days" --seed 7 >"$work/generate.log" 2>&1
fi
logins=$(cat "$work"/in/logins/*/* | wc -l)

rm -rf "$work/wh"
/usr/bin/time -v -o "$work/time.txt" "$here/bin/cohortwatch" run --input "$work/in" \
  --warehouse "$work/wh" --date 2026-11-20 >"$work/run.log" 2>&1 || {
  echo "hub.sh: the run failed; see $work/run.log" >&2
  tail -20 "$work/run.log" >&2
  exit 1
}
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
heap="${COHORTWATCH_DRIVER_MEMORY:-4g}"

# What the job found, read back with the same jar (no driver collect beyond a few counts).
flagged=$("$here/bin/cohortwatch" evaluate --truth "$work/in" --warehouse "$work/wh" 2>/dev/null |
  sed -n 's/^fpr_benign hub *//p' | head -1)

echo "hub accounts on one IP: $hub (plus $others others, $days days, $logins login lines)"
echo "driver heap (bin/cohortwatch default unless COHORTWATCH_DRIVER_MEMORY): $heap"
echo "run wall time: $wall"
echo "peak resident memory of the driver JVM: $((rss_kb / 1024)) MB"
echo "hub accounts flagged high or critical: ${flagged:-see $work/run.log}"
echo "stage timings: $(grep -o 'stage [a-z]* took [0-9.]* s' "$work/run.log" | sed 's/stage //; s/ took / /; s/ s$/s/' | paste -sd ' ')"
echo "rows written: $(awk '$1 ~ /^(logins|link_evidence|cluster_members|account_risk)$/ {printf "%s %s, ", $1, $4}' "$work/run.log" | sed 's/, $//')"
echo "outcome: finished without running out of memory"
