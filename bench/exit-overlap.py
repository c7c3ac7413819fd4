#!/usr/bin/env python3
"""Counts account pairs by how unlikely their overlap on one provider's exits is, by truth.

A design aid for the exit-twin gate (docs/MODEL.md, "Exit twins"), which asks that a pair share
at least 4 exits and 5 times what chance gives (sum over ASes of n_a x n_b / exits(AS)). On a
small provider that ratio cannot rise: two users of 7 of 11 exits who share all 7 have a ratio of
1.6. This script puts beside it the hypergeometric tail, the chance that two strangers who each
drew as many of the AS's exits as they used share at least as many as they do (the product over
the pair's ASes), and counts the pairs under each threshold as one ring, two rings, an operator
and a benign account, or two benign accounts; and which operators the job missed would gain a
ring-mate at the strictest threshold.

Reads each world's in/logins, in/ip_intel, in/truth/accounts.csv and account_risk.jsonl (the
evaluation's layout). Exits are the addresses intelligence labels vpn, hosting or tor with an AS
(the job's inferred exits are not recomputed here). Candidate pairs share at least one exit of
fewer than `link.pair-cap` (50) accounts, as the job's pairs do; the overlap counts every shared
exit of at most 1,000 accounts.

usage: bench/exit-overlap.py EVAL_DIR
"""
import collections
import csv
import glob
import ipaddress
import json
import math
import os
import sys

PAIR_CAP = 50
STAR_MAX = 1000
THRESHOLDS = (1e-3, 1e-4, 1e-5, 1e-6)
FLAGGED = ("high", "critical")


def log_choose(n, k):
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def tail(exits, used_a, used_b, shared):
    """P(X >= shared) for X ~ Hypergeometric(exits, used_a, used_b)."""
    total = 0.0
    for x in range(shared, min(used_a, used_b) + 1):
        total += math.exp(
            log_choose(used_a, x)
            + log_choose(exits - used_a, used_b - x)
            - log_choose(exits, used_b)
        )
    return min(1.0, total)


def read_jsonl(pattern):
    for path in glob.glob(pattern):
        with open(path) as f:
            for line in f:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


def exit_networks(world):
    nets = []
    for r in read_jsonl(os.path.join(world, "in", "ip_intel", "*")):
        if r.get("usage_type") in ("vpn", "hosting", "tor") and r.get("asn"):
            try:
                nets.append((ipaddress.ip_network(r["network"]), r["asn"]))
            except ValueError:
                continue
    return nets


def as_of(ip, nets):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    for net, asn in nets:
        if address.version == net.version and address in net:
            return asn
    return None


def pair_class(truth, a, b):
    ta, tb = truth[a], truth[b]
    if ta["label"] == "operator" and ta["group_id"] == tb["group_id"]:
        return "one ring"
    if ta["label"] == "benign" and tb["label"] == "benign":
        return "benign"
    return "two rings" if ta["label"] == tb["label"] else "operator-benign"


def world_counts(world, counts, reached):
    truth = {r["account_id"]: r for r in csv.DictReader(open(os.path.join(world, "in", "truth", "accounts.csv")))}
    tier = {r["account_id"]: r["risk_tier"] for r in read_jsonl(os.path.join(world, "account_risk.jsonl"))}
    nets = exit_networks(world)
    users = collections.defaultdict(set)
    for r in read_jsonl(os.path.join(world, "in", "logins", "*", "*")):
        if r.get("account_id") in truth:
            users[r.get("ip")].add(r["account_id"])
    asn_of = {}
    for ip in users:
        asn = as_of(ip, nets)
        if asn:
            asn_of[ip] = asn
    exits_per_as = collections.Counter(asn_of.values())
    used = collections.defaultdict(collections.Counter)
    for ip, asn in asn_of.items():
        for a in users[ip]:
            used[a][asn] += 1
    shared = collections.defaultdict(collections.Counter)
    candidate = set()
    for ip, asn in asn_of.items():
        members = sorted(users[ip])
        if len(members) > STAR_MAX:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                shared[(a, b)][asn] += 1
                if len(members) < PAIR_CAP:
                    candidate.add((a, b))
    for a, b in candidate:
        per_as = shared[(a, b)]
        p = 1.0
        for asn, s in per_as.items():
            p *= tail(exits_per_as[asn], used[a][asn], used[b][asn], s)
        cls = pair_class(truth, a, b)
        counts[(cls, None)] += 1
        for t in THRESHOLDS:
            if p <= t:
                counts[(cls, t)] += 1
        if cls == "one ring" and p <= THRESHOLDS[2]:
            for x in (a, b):
                if tier.get(x) not in FLAGGED:
                    reached.add((os.path.basename(world), x, truth[x]["style"]))


def main():
    root = sys.argv[1]
    counts, reached = collections.Counter(), set()
    for name in sorted(os.listdir(root)):
        world = os.path.join(root, name)
        if os.path.exists(os.path.join(world, "account_risk.jsonl")):
            world_counts(world, counts, reached)
    classes = ("one ring", "two rings", "operator-benign", "benign")
    print("pairs sharing an exit of under %d accounts, by the tail probability of their overlap" % PAIR_CAP)
    print("%-16s %10s" % ("pair", "all") + "".join("%10s" % ("<=%g" % t) for t in THRESHOLDS))
    for cls in classes:
        print("%-16s %10d" % (cls, counts[(cls, None)]) + "".join("%10d" % counts[(cls, t)] for t in THRESHOLDS))
    print("missed operators with a ring-mate at <= %g: %d" % (THRESHOLDS[2], len(reached)))
    for world, account, style in sorted(reached):
        print("  %s %s %s" % (world, account, style))


if __name__ == "__main__":
    main()
