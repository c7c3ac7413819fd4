#!/usr/bin/env bash
# Detection quality on generated data: for each seed and mix, generate, run the nightly job,
# evaluate against the truth. Usage: bench/evaluate.sh [ACCOUNTS] [SEEDS...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
accounts="${1:-5000}"; shift || true
seeds=("${@:-11 12 13}")
work="${EVAL_DIR:-/tmp/cohortwatch-eval}"
export COHORTWATCH_HMAC_KEY="${COHORTWATCH_HMAC_KEY:-evaluation-key-not-secret-32-bytes-long}"
declare -A mixes=(
  [default]=""
  [other]="--operator-share 0.03 --ring-mix blatant=0.3,careful=1.5,farm=1 --home-shift-share 0.4 --benign-mix campus=2,cgnat=1,vpn=3,office=1,household=1,agency=3,traveller=1 --campus-size 400"
)
for mix in default other; do
  for seed in ${seeds[@]}; do
    dir="$work/$mix-$seed"
    rm -rf "$dir"
    # shellcheck disable=SC2086
    "$here/bin/cohortwatch" generate --out "$dir/in" --accounts "$accounts" --days 30 --seed "$seed" ${mixes[$mix]} >/dev/null
    "$here/bin/cohortwatch" run --input "$dir/in" --warehouse "$dir/wh" --date 2026-11-20 >/dev/null 2>"$dir.log"
    echo "== mix=$mix seed=$seed accounts=$accounts"
    "$here/bin/cohortwatch" evaluate --truth "$dir/in" --warehouse "$dir/wh" 2>/dev/null
  done
done
