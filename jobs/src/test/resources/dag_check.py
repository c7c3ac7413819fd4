"""Loads an Airflow DAG file without Airflow and prints its shape as JSON (for DagFileTest).

The file is executed twice against small stand-ins for the Airflow modules it imports: once laid
out as Airflow 2 (no airflow.sdk, operators under airflow.operators) and once as Airflow 3 (the
task SDK and the standard provider; `from airflow import DAG` gone), so both import paths are
exercised. The stand-ins record what the file passes to them: the DAG's arguments, every task's
arguments and the `>>` edges. The source is also read with `ast` for what must never appear
(Variable.get at parse time). Usage: python3 dag_check.py DAG_FILE
"""

import ast
import datetime
import json
import sys
import types


class Recorder:
    dags = []
    tasks = {}
    edges = set()


def _edge(up, down):
    ups = up if isinstance(up, list) else [up]
    downs = down if isinstance(down, list) else [down]
    for u in ups:
        for d in downs:
            Recorder.edges.add((u.task_id, d.task_id))
    return down


class FakeOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        Recorder.tasks[task_id] = self

    def __rshift__(self, other):
        return _edge(self, other)

    def __rrshift__(self, other):
        _edge(other, self)
        return self


class SparkSubmitOperator(FakeOperator):
    pass


class ShortCircuitOperator(FakeOperator):
    pass


class FakeDag:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        Recorder.dags.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class CronDataIntervalTimetable:
    def __init__(self, cron, timezone):
        self.cron = cron
        self.timezone = timezone


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__path__ = []
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


def layout(version):
    pendulum = module(
        "pendulum",
        timezone=lambda name: "tz:" + name,
        datetime=lambda *a, **k: datetime.datetime(*a),
        duration=lambda **k: datetime.timedelta(**k),
    )
    mods = {
        "pendulum": pendulum,
        "airflow": module("airflow"),
        "airflow.providers": module("airflow.providers"),
        "airflow.providers.apache": module("airflow.providers.apache"),
        "airflow.providers.apache.spark": module("airflow.providers.apache.spark"),
        "airflow.providers.apache.spark.operators": module(
            "airflow.providers.apache.spark.operators"
        ),
        "airflow.providers.apache.spark.operators.spark_submit": module(
            "airflow.providers.apache.spark.operators.spark_submit",
            SparkSubmitOperator=SparkSubmitOperator,
        ),
        "airflow.timetables": module("airflow.timetables"),
        "airflow.timetables.interval": module(
            "airflow.timetables.interval", CronDataIntervalTimetable=CronDataIntervalTimetable
        ),
    }
    if version == 2:
        mods["airflow"].DAG = FakeDag
        mods["airflow.operators"] = module("airflow.operators")
        mods["airflow.operators.python"] = module(
            "airflow.operators.python", ShortCircuitOperator=ShortCircuitOperator
        )
    else:
        mods["airflow.sdk"] = module("airflow.sdk", DAG=FakeDag)
        mods["airflow.providers.standard"] = module("airflow.providers.standard")
        mods["airflow.providers.standard.operators"] = module(
            "airflow.providers.standard.operators"
        )
        mods["airflow.providers.standard.operators.python"] = module(
            "airflow.providers.standard.operators.python",
            ShortCircuitOperator=ShortCircuitOperator,
        )
    return mods


def text(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [text(v) for v in value]
    if isinstance(value, dict):
        return {k: text(v) for k, v in value.items()}
    if callable(value):
        return "callable:" + getattr(value, "__name__", "?")
    return repr(value)


def load(path, version):
    Recorder.dags, Recorder.tasks, Recorder.edges = [], {}, set()
    saved = dict(sys.modules)
    for name in [m for m in sys.modules if m == "airflow" or m.startswith("airflow.")]:
        del sys.modules[name]
    sys.modules.update(layout(version))
    try:
        namespace = {"__name__": "dag_under_test"}
        with open(path) as f:
            exec(compile(f.read(), path, "exec"), namespace)
    finally:
        sys.modules.clear()
        sys.modules.update(saved)
    dag = Recorder.dags[0]
    schedule = dag.kwargs.get("schedule")
    purge_day = Recorder.tasks.get("purge_day")
    checks = {}
    if purge_day is not None:
        fn = purge_day.kwargs["python_callable"]
        # 2026-11-22 is a Sunday, 2026-11-23 a Monday
        checks["purge_on_sunday"] = fn(data_interval_start=datetime.datetime(2026, 11, 22, 2, 30))
        checks["purge_on_monday"] = fn(data_interval_start=datetime.datetime(2026, 11, 23, 2, 30))
    return {
        "dag": {k: text(v) for k, v in dag.kwargs.items() if k != "schedule"},
        "schedule": {
            "class": type(schedule).__name__,
            "cron": getattr(schedule, "cron", None),
            "timezone": getattr(schedule, "timezone", None),
        },
        "tasks": {
            t.task_id: {"operator": type(t).__name__, "kwargs": text(t.kwargs)}
            for t in Recorder.tasks.values()
        },
        "edges": sorted([list(e) for e in Recorder.edges]),
        "checks": checks,
    }


def variable_gets(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "Variable"
        ):
            found.append(node.lineno)
    imports = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    return found, imports


if __name__ == "__main__":
    dag_file = sys.argv[1]
    gets, imports = variable_gets(dag_file)
    print(
        json.dumps(
            {
                "airflow2": load(dag_file, 2),
                "airflow3": load(dag_file, 3),
                "variable_get_lines": gets,
                "imported_names": imports,
            },
            indent=1,
            sort_keys=True,
        )
    )
