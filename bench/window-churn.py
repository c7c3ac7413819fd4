#!/usr/bin/env python3
"""How much of the scoring window one night changes: the ceiling on carrying state forward.

A nightly run scores the window [D-L+1, D]; the night before scored [D-L, D-1]. Only what the new
day D or the retired day D-L touched can differ between the two. This counts, from the logins of
an input folder in the contract's layout (logins/date=YYYY-MM-DD/*.jsonl|.json|.csv, optionally
.gz), without Spark:

  accounts     in the window; with a login on D or D-L (their features and evidence change)
  ip, device   attributes in the window; used on D or D-L (their memberships' counts change);
               whose set of accounts changed (an account joined or left: rarity and pairs change)

An account, attribute or pair outside these is the same tonight as last night, so carrying it
forward saves at most its share. Event dates are the logins' UTC dates, as the job's.

usage: bench/window-churn.py LOGINS_DIR [--date YYYY-MM-DD] [--lookback-days 30]
"""
import argparse
import collections
import csv
import datetime
import gzip
import json
import os
import sys


def records(path):
    opener = gzip.open if path.endswith(".gz") else open
    name = path[:-3] if path.endswith(".gz") else path
    with opener(path, "rt", encoding="utf-8") as f:
        if name.endswith(".csv"):
            yield from csv.DictReader(f)
        elif name.endswith((".jsonl", ".json")):
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except ValueError:
                    continue  # the job quarantines these; they change nothing in the window


def event_date(value):
    try:
        t = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.astimezone(datetime.timezone.utc).date()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("logins")
    p.add_argument("--date", type=datetime.date.fromisoformat)
    p.add_argument("--lookback-days", type=int, default=30)
    a = p.parse_args()
    # account -> bitmask of its event dates, (kind, value) -> account -> bitmask (one bit per date,
    # in the order first seen), so that memory grows with the memberships, not with the days
    seen = collections.defaultdict(int)
    members = collections.defaultdict(lambda: collections.defaultdict(int))
    day_bits, files = {}, 0
    for folder in sorted(os.listdir(a.logins)):
        if not folder.startswith("date="):
            continue
        for name in sorted(os.listdir(os.path.join(a.logins, folder))):
            if name.startswith((".", "_")):
                continue
            files += 1
            for r in records(os.path.join(a.logins, folder, name)):
                day, acc = event_date(r.get("event_time")), r.get("account_id")
                if day is None or not acc:
                    continue
                bit = day_bits.setdefault(day, 1 << len(day_bits))
                seen[acc] |= bit
                for kind in ("ip", "device_id"):
                    if r.get(kind):
                        members[(kind, r[kind])][acc] |= bit
    if not seen:
        sys.exit("window-churn.py: no logins under " + a.logins)
    run_date = a.date or max(day_bits)
    lookback = a.lookback_days
    new_day, retired = run_date, run_date - datetime.timedelta(days=lookback)

    def mask(days):
        out = 0
        for d in days:
            out |= day_bits.get(d, 0)
        return out

    tonight = mask(run_date - datetime.timedelta(days=i) for i in range(lookback))
    last_night = mask(run_date - datetime.timedelta(days=i + 1) for i in range(lookback))
    edges = mask([new_day, retired])

    print(f"input: {files} files, event dates {min(day_bits)} to {max(day_bits)}")
    print(f"window: {run_date - datetime.timedelta(days=lookback - 1)} to {run_date}; "
          f"retired day {retired}")
    window = sum(1 for m in seen.values() if m & tonight)
    touched = sum(1 for m in seen.values() if m & edges)
    print(f"accounts in the window: {window}")
    print(f"accounts with a login on the new or the retired day: {touched} "
          f"({100 * touched / max(1, window):.1f} % of the window)")
    for kind in ("ip", "device_id"):
        in_window = used = changed = 0
        for key, accs in members.items():
            if key[0] != kind:
                continue
            now = {acc for acc, m in accs.items() if m & tonight}
            before = {acc for acc, m in accs.items() if m & last_night}
            in_window += bool(now)
            used += any(m & edges for m in accs.values())
            changed += now != before
        print(f"{kind} in the window: {in_window}; used on the new or the retired day: "
              f"{used} ({100 * used / max(1, in_window):.1f} %); "
              f"member set changed: {changed} ({100 * changed / max(1, in_window):.1f} %)")


if __name__ == "__main__":
    main()
