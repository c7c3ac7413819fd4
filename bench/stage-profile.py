#!/usr/bin/env python3
"""Summarise a Spark event log: the slowest stages with their job group (the CohortWatch stage),
task time, input, shuffle written and spill, then the stage wall and task time summed per job group.

    bench/stage-profile.py EVENT_LOG [TOP]

Stages of one group can overlap (Spark runs independent map stages at once), so a stage's wall
time can exceed its share; task time ("run") is the CPU-side cost.
"""
import collections
import json
import sys


def main(path, top):
    stages, jobs, stage_job = {}, {}, {}
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            kind = e.get("Event")
            if kind == "SparkListenerJobStart":
                props = e.get("Properties") or {}
                jobs[e["Job ID"]] = props.get("spark.jobGroup.id", "")
                for s in e["Stage IDs"]:
                    stage_job[s] = e["Job ID"]
            elif kind == "SparkListenerStageCompleted":
                info = e["Stage Info"]
                if "Submission Time" not in info:
                    continue
                acc = {a["Name"]: a.get("Value") for a in info.get("Accumulables", [])}

                def metric(name, scale):
                    return int(acc.get("internal.metrics." + name) or 0) / scale

                stages[info["Stage ID"]] = {
                    "name": info["Stage Name"],
                    "tasks": info["Number of Tasks"],
                    "wall": (info["Completion Time"] - info["Submission Time"]) / 1000,
                    "run": metric("executorRunTime", 1000),
                    "input": metric("input.bytesRead", 1e6),
                    "shuffle": metric("shuffle.write.bytesWritten", 1e6),
                    "spill": metric("diskBytesSpilled", 1e6),
                }
    group = lambda sid: jobs.get(stage_job.get(sid), "")
    for sid, s in sorted(stages.items(), key=lambda kv: -kv[1]["wall"])[:top]:
        print(
            f"{s['wall']:7.1f} s wall, task time {s['run']:7.1f} s, {s['tasks']:5d} tasks,"
            f" in {s['input']:7.0f} MB shuffle {s['shuffle']:7.0f} MB spill {s['spill']:7.0f} MB"
            f"  [{group(sid)}] {s['name'][:60]}"
        )
    wall, run = collections.defaultdict(float), collections.defaultdict(float)
    for sid, s in stages.items():
        wall[group(sid)] += s["wall"]
        run[group(sid)] += s["run"]
    # Wall sums overlap within a group; task time does not, and on a small machine it is what
    # a stage really costs (two cores: the stage's floor is task time / 2).
    print("per job group: stage wall seconds summed, task seconds summed")
    for g, w in sorted(wall.items(), key=lambda kv: -run[kv[0]]):
        print(f"  {g or '(none)'}: wall {w:.0f}, task {run[g]:.0f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
