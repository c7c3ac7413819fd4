#!/usr/bin/env python3
"""Rescores evaluated worlds with another model artefact, without rerunning the job.

The job publishes each account's model inputs (account_risk.model_inputs); a model's score is
logistic(intercept + sum of coefficient x input), exactly what detect/Scoring computes (there are
no review decisions in generated worlds, so no feedback term). This writes, for each world,
TO/<world>/account_risk.jsonl with risk_score, risk_tier and model_version replaced, and links
TO/<world>/in to the world's input, so eval.CrossWorld can aggregate it as it does the job's own
output. Used to compare artefacts (the hand-set baseline, a refit) on the same worlds.

usage: bench/rescore.py --model FILE --from EVAL_DIR --to OUT_DIR --worlds w1,w2,...
       [--tiers 0.35,0.6,0.85] [--check]
--check  only verify that rescoring with FILE reproduces the job's own scores (max difference)
"""
import argparse
import json
import math
import os
import sys


def load_model(path):
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    coef = {}
    for name, c in m["coefficients"].items():
        coef[name] = c["weight"] if isinstance(c, dict) else c
    return m["model_version"], m["intercept"], coef


# Inputs that are products of two others (schema/ModelInputs.java). A world scored by a jar older
# than such an input does not publish it; it is derived here from its factors as the job computes
# it: the cluster's value of each factor times the member's attachment (in_cluster), so the
# member's product is a x b / attachment.
DERIVED = {
    "cluster_co_login_spread": ("cluster_co_login", "cluster_identity_spread"),
    "cluster_co_login_burst": ("cluster_co_login", "cluster_creation_burst"),
}


def with_derived(x):
    x = dict(x)
    att = float(x.get("in_cluster") or 0.0)
    for name, (a, b) in DERIVED.items():
        if x.get(name) is None:
            x[name] = float(x.get(a) or 0.0) * float(x.get(b) or 0.0) / att if att > 0 else 0.0
    return x


def tier(score, medium, high, critical):
    if score >= critical:
        return "critical"
    if score >= high:
        return "high"
    if score >= medium:
        return "medium"
    return "low"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--from", dest="src", required=True)
    p.add_argument("--to", dest="dst")
    p.add_argument("--worlds", required=True)
    p.add_argument("--tiers", default="0.35,0.6,0.85")
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    medium, high, critical = (float(x) for x in a.tiers.split(","))
    version, intercept, coef = load_model(a.model)
    worst = 0.0
    for world in a.worlds.split(","):
        src = os.path.join(a.src, world)
        rows = []
        with open(os.path.join(src, "account_risk.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                x = with_derived(r.get("model_inputs") or {})
                r["model_inputs"] = x
                z = intercept + sum(w * float(x.get(k) or 0.0) for k, w in coef.items())
                s = 1.0 / (1.0 + math.exp(-z))
                worst = max(worst, abs(s - r["risk_score"]))
                r["risk_score"] = s
                r["risk_tier"] = tier(s, medium, high, critical)
                r["model_version"] = version
                rows.append(r)
        if a.check:
            continue
        dst = os.path.join(a.dst, world)
        os.makedirs(dst, exist_ok=True)
        with open(os.path.join(dst, "account_risk.jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        link = os.path.join(dst, "in")
        if not os.path.exists(link):
            os.symlink(os.path.abspath(os.path.join(src, "in")), link)
    if a.check:
        print(f"rescore: largest difference from the job's scores: {worst:.3g}")
        sys.exit(0 if worst < 1e-9 else 1)


if __name__ == "__main__":
    main()
