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
    coef, products = {}, {}
    for name, c in m["coefficients"].items():
        coef[name] = c["weight"] if isinstance(c, dict) else c
        if isinstance(c, dict) and "product_of" in c:
            products[name] = c["product_of"]
    return m["model_version"], m["intercept"], coef, products


def with_derived(x, products):
    """Derives the product inputs (the artefact's product_of, from ModelInputs.PRODUCTS; "1-"
    marks a complement) that a world scored by a jar older than the input does not publish, as the
    job computes them: each published factor is the cluster's value times the member's attachment
    (in_cluster), so the member's product is the attachment times the product of each factor's
    published value over the attachment (or 1 minus it)."""
    x = dict(x)
    att = float(x.get("in_cluster") or 0.0)
    for name, factors in products.items():
        if x.get(name) is not None:
            continue
        if att <= 0:
            x[name] = 0.0
            continue
        product = att
        for f in factors:
            complement = f.startswith("1-")
            v = float(x.get(f[2:] if complement else f) or 0.0) / att
            product *= 1.0 - v if complement else v
        x[name] = product
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
    version, intercept, coef, products = load_model(a.model)
    worst = 0.0
    for world in a.worlds.split(","):
        src = os.path.join(a.src, world)
        rows = []
        with open(os.path.join(src, "account_risk.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                x = with_derived(r.get("model_inputs") or {}, products)
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
