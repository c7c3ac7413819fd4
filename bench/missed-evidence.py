#!/usr/bin/env python3
"""Splits the operators an evaluation missed by the evidence the job had on them.

Reads each world's account_risk.jsonl (the job's export) and in/truth/accounts.csv, as
eval.CrossWorld does, and counts the operators not flagged (below high) by ring style, in four
groups:
  clustered            in a cluster: the cluster's inputs were not enough
  alone, own evidence  in no cluster, with at least one own deception input >= 0.3 (VPN or hosting
                       share, foreign share, a far shift abroad or hidden, a handover then hidden)
  alone, far shift     in no cluster; only a far-away working day (own_tz_mismatch >= 0.5), which
                       an honest night-shift freelancer at home has too
  alone, nothing       in no cluster and none of the above: nothing in the inputs sets it apart
                       from an ordinary account
The last two bound what scoring accounts one by one can reach: only a new link can lift them.
Operators the job did not score at all (no login in the window) are counted as "not scored".

usage: bench/missed-evidence.py EVAL_DIR
"""
import collections
import csv
import json
import os
import sys

OWN_DECEPTION = [
    "own_anonymised",
    "own_foreign",
    "own_far_shift_abroad",
    "own_far_shift_hidden",
    "own_hidden_abroad",
    "own_handed_over_hidden",
]
GROUPS = ["clustered", "alone, own evidence", "alone, far shift", "alone, nothing", "not scored"]


def group(row):
    inputs = row.get("model_inputs") or {}
    if row.get("cluster_id"):
        return GROUPS[0]
    if max((inputs.get(k) or 0.0) for k in OWN_DECEPTION) >= 0.3:
        return GROUPS[1]
    if (inputs.get("own_tz_mismatch") or 0.0) >= 0.5:
        return GROUPS[2]
    return GROUPS[3]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    root = sys.argv[1]
    missed = collections.Counter()
    operators = collections.Counter()
    worlds = 0
    for world in sorted(os.listdir(root)):
        scores = os.path.join(root, world, "account_risk.jsonl")
        truth_file = os.path.join(root, world, "in", "truth", "accounts.csv")
        if not (os.path.exists(scores) and os.path.exists(truth_file)):
            continue
        worlds += 1
        with open(truth_file) as f:
            truth = {r["account_id"]: r for r in csv.DictReader(f)}
        with open(scores) as f:
            rows = {r["account_id"]: r for r in map(json.loads, f)}
        for account, t in truth.items():
            if t["label"] == "benign":
                continue
            operators[t["style"]] += 1
            row = rows.get(account)
            if row is None:
                missed[(t["style"], GROUPS[4])] += 1
            elif row["risk_tier"] not in ("high", "critical"):
                missed[(t["style"], group(row))] += 1
    total = sum(operators.values())
    print("%d worlds, %d operators, %d missed" % (worlds, total, sum(missed.values())))
    print("%-10s %9s %9s" % ("style", "operators", "missed") + "".join("%21s" % g for g in GROUPS))
    for style in sorted(operators) + ["all"]:
        n = total if style == "all" else operators[style]
        counts = [
            sum(v for (s, g), v in missed.items() if g == grp and style in ("all", s))
            for grp in GROUPS
        ]
        print("%-10s %9d %9d" % (style, n, sum(counts)) + "".join("%21d" % c for c in counts))
    alone = sum(v for (s, g), v in missed.items() if g in GROUPS[2:4])
    if total:
        print(
            "recall if every clustered, own-evidence and unscored miss were caught: %.3f"
            % ((total - alone) / total)
        )


if __name__ == "__main__":
    main()
