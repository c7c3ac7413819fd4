"""Apache Airflow DAG (Airflow 2.4+ and 3.x): the CohortWatch nightly job, then its outputs.

One task per nightly step that an operator may need to retry on its own:
  score       run --date D                   ingest the landed day, link, cluster, score, publish
  feed        export --changes-since ...     new or changed flags for the moderation queue
  report      report --date D                the self-contained HTML report for analysts
  purge_day   Sundays only, else skips purge
  purge       purge --before D - retention   retention, after feed and report

D is the day the run covers: the start of its data interval. The timetable is explicit
(CronDataIntervalTimetable, 02:30 UTC, after the platform's log export for the day before), so
the run starting 2026-11-21 02:30 has the interval [2026-11-20 02:30, 2026-11-21 02:30) and
scores 2026-11-20 on Airflow 2 and 3 alike. Only data-interval templates are used: Airflow 3
removed `prev_ds` and friends, and under a plain cron schedule it sets `ds` to the day the run
starts, which would publish an unfinished day.

The feed keeps a version cursor beside its output (OUTBOX/moderation-feed/_cursor): `export
--cursor-file` starts from the version the last successful feed reached and writes the new one,
so a night whose feed failed is delivered the next night. `--changes-since` is only the first
night's starting point.

Reruns and backfills are safe: a rerun of a date replaces that date's rows and nothing else
(README "Operating it"); `airflow dags backfill` (Airflow 2) or `airflow backfill create`
(Airflow 3) over A..B runs the dates one at a time in order (max_active_runs=1).

Airflow Variables, read when a task runs (templates), never when the file is parsed:
  cohortwatch_jar        /opt/cohortwatch/cohortwatch.jar   `mvn -B -Pcluster package` (thin jar)
  cohortwatch_input      hdfs:///platform/cohortwatch/input  the contract's input layout
  cohortwatch_warehouse  hdfs:///platform/cohortwatch/warehouse
  cohortwatch_outbox     hdfs:///platform/cohortwatch/outbox  moderation feed, cursor and reports
  cohortwatch_config     hdfs:///platform/cohortwatch/cohortwatch.jsonc  settings (any Hadoop path)
  cohortwatch_retention_days 400
The HMAC key for payout ids is the password of the Airflow connection `cohortwatch_hmac` (keep
it in your secret backend); it reaches the driver as COHORTWATCH_HMAC_KEY through `env_vars`: in
client mode as the environment of spark-submit, in YARN or Kubernetes cluster mode as the driver's
environment (the provider refuses env_vars in standalone cluster mode). There Spark carries it in
its configuration (spark.yarn.appMasterEnv.*), so `spark.redaction.regex` below also hides
anything named like an HMAC key from the Spark UI and event log.
"""

import logging

import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.timetables.interval import CronDataIntervalTimetable

try:  # Airflow 3: the task SDK
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

try:  # Airflow 3: the standard provider
    from airflow.providers.standard.operators.python import ShortCircuitOperator
except ImportError:  # Airflow 2
    from airflow.operators.python import ShortCircuitOperator


def var(name, default):
    """A Variable as a template: read when the task runs, not at every parse of this file."""
    return "{{ var.value.get('%s', '%s') }}" % (name, default)


JAR = var("cohortwatch_jar", "/opt/cohortwatch/cohortwatch.jar")
INPUT = var("cohortwatch_input", "hdfs:///platform/cohortwatch/input")
WAREHOUSE = var("cohortwatch_warehouse", "hdfs:///platform/cohortwatch/warehouse")
OUTBOX = var("cohortwatch_outbox", "hdfs:///platform/cohortwatch/outbox")
CONFIG = var("cohortwatch_config", "hdfs:///platform/cohortwatch/cohortwatch.jsonc")

# The day a run covers, and the day before it.
DAY = "{{ data_interval_start | ds }}"
DAY_BEFORE = "{{ (data_interval_start - macros.timedelta(days=1)) | ds }}"
PURGE_BEFORE = (
    "{{ (data_interval_start - macros.timedelta(days=(var.value.get('cohortwatch_retention_days',"
    " '400') | int))) | ds }}"
)

# The thin jar leaves Spark and Delta Lake to the cluster: Delta comes from Maven Central here
# (or drop `packages` where the platform ships Delta). Sizing: docs/BENCHMARKS.md.
DELTA_PACKAGES = "io.delta:delta-spark_2.12:3.3.3"
SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.shuffle.partitions": "200",
    "spark.sql.adaptive.enabled": "true",
    # Spark's default redaction plus the key's name (see the module docstring)
    "spark.redaction.regex": "(?i)secret|password|token|access[.]key|hmac",
}
ENV_VARS = {"COHORTWATCH_HMAC_KEY": "{{ conn.cohortwatch_hmac.password }}"}


def notify_failure(context):
    """One line per failed task with where to look; replace with your pager or chat hook."""
    ti = context["task_instance"]
    logging.getLogger("cohortwatch").error(
        "cohortwatch %s failed for %s (try %s): %s",
        ti.task_id,
        context["data_interval_start"].date(),
        ti.try_number,
        ti.log_url,
    )


def is_purge_day(data_interval_start=None, **_):
    """Retention once a week (Sundays): a purge VACUUMs every table, too slow to run nightly."""
    return data_interval_start.weekday() == 6


def cohortwatch(task_id, args, **kwargs):
    """One spark-submit of the jar: `spark-submit --class ...Main JAR <args>`."""
    return SparkSubmitOperator(
        task_id=task_id,
        conn_id="spark_default",
        application=JAR,
        java_class="com.cohortwatch.cli.Main",
        application_args=args,
        packages=DELTA_PACKAGES,
        conf=SPARK_CONF,
        env_vars=ENV_VARS,
        name="cohortwatch-%s-%s" % (task_id, DAY),
        **kwargs,
    )


with DAG(
    dag_id="cohortwatch_nightly",
    description="Operator-ring detection: score the landed day and publish the risk tables",
    schedule=CronDataIntervalTimetable("30 2 * * *", timezone=pendulum.timezone("UTC")),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # dates in order: each night's clusters follow the previous night's
    default_args={
        "owner": "trust-and-safety",
        "retries": 2,  # a rerun of a date is safe (replaces that date's rows only)
        "retry_delay": pendulum.duration(minutes=15),
        "execution_timeout": pendulum.duration(hours=3),
        "on_failure_callback": notify_failure,
    },
    tags=["cohortwatch", "trust-and-safety"],
) as dag:
    score = cohortwatch(
        "score",
        [
            "run",
            "--input", INPUT,
            "--warehouse", WAREHOUSE,
            "--date", DAY,
            "--config", CONFIG,
            "--summary-json", OUTBOX + "/runs/" + DAY + ".json",
        ],
    )
    feed = cohortwatch(
        "feed",
        [
            "export",
            "--warehouse", WAREHOUSE,
            "--table", "account_risk",
            "--changes-since", DAY_BEFORE,
            "--cursor-file", OUTBOX + "/moderation-feed/_cursor",
            "--format", "jsonl",
            "--out", OUTBOX + "/moderation-feed/" + DAY + ".jsonl",
        ],
    )
    report = cohortwatch(
        "report",
        [
            "report",
            "--warehouse", WAREHOUSE,
            "--date", DAY,
            "--out", OUTBOX + "/reports/cohortwatch-" + DAY + ".html",
        ],
    )
    purge_day = ShortCircuitOperator(task_id="purge_day", python_callable=is_purge_day)
    purge = cohortwatch(
        "purge",
        [
            "purge",
            "--warehouse", WAREHOUSE,
            "--before", PURGE_BEFORE,
            "--vacuum-retention-hours", "168",
        ],
        retries=0,  # retention waits for next week rather than competing with analysts
    )

    score >> [feed, report]
    [feed, report] >> purge_day >> purge
