#!/usr/bin/env bash
# Refits the risk model on the training worlds only and writes the artefact the job scores with.
#   bench/train-model.sh [--accounts 3000] [--worlds 12] [--version cw-lr-2.6] [--out FILE]
# 1. bench/evaluate.sh --split train: generates and scores the training worlds afresh;
# 2. train.TrainModel: MLlib logistic regression on the worlds' model_inputs and truth labels
#    (sign-bounded, kind-balanced weights, intercept set for the target precision at high).
# The default --out is the artefact in the jar's resources: rebuild, then run bench/evaluate.sh
# --split test to report on worlds the fit never saw. Environment: EVAL_DIR as for evaluate.sh.
# The default version is the next one: the shipped cw-lr-2.5 is 2.2 amended by hand (its
# "amendment"), so a refit is a new model, not a reproduction of it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
accounts=3000 limit=12 version=cw-lr-2.6 reg=0.002 precision=0.99
out="$here/jobs/src/main/resources/model/cohortwatch-model.json"
while [ $# -gt 0 ]; do
  case "$1" in
    --accounts) accounts="$2"; shift 2 ;;
    --worlds) limit="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --reg) reg="$2"; shift 2 ;;
    --target-precision) precision="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "train-model.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
work="${EVAL_DIR:-/tmp/cohortwatch-eval}"
args=(--split train --accounts "$accounts")
if [ "$limit" -gt 0 ]; then args+=(--worlds "$limit"); fi
"$here/bench/evaluate.sh" "${args[@]}" >"$work/train-split.txt"
# the worlds evaluate.sh just scored: the rows of its per-world table
worlds=() seeds=()
while read -r name; do
  worlds+=("$work/$name"); seeds+=("${name##*-}")
done < <(grep -o 'family-[0-9]*' "$work/train-split.txt" | sort -u)
[ ${#worlds[@]} -gt 0 ] || { echo "train-model.sh: no training world found in $work" >&2; exit 1; }
list="$(IFS=,; echo "${worlds[*]}")"
COHORTWATCH_MAIN=com.cohortwatch.train.TrainModel "$here/bin/cohortwatch" \
  --worlds "$list" --out "$out" --version "$version" --reg "$reg" \
  --target-precision "$precision" --seeds "${seeds[*]} (${accounts} accounts each)"
