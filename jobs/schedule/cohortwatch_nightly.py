"""Apache Airflow DAG: the CohortWatch nightly job, then its outputs for moderation and analysts.

One task per nightly step that an operator may need to retry on its own:
  score      run --date {{ ds }}            ingest the landed day, link, cluster, score, publish
  feed       export --changes-since ...     new or changed flags for the moderation queue
  report     report --date {{ ds }}         the self-contained HTML report for analysts
  purge      purge --before ...             retention (weekly is enough; cheap when nothing to do)

`ds` is the logical date: the DAG run for 2026-11-20 starts after that day has ended and scores it.
Reruns and backfills are safe: a rerun of a date replaces that date's rows and nothing else
(README "Operating it"); `airflow dags backfill -s A -e B cohortwatch_nightly` is equivalent to
`cohortwatch backfill --from A --to B`, one date at a time in order (max_active_runs=1).

Airflow Variables (with the defaults used when unset):
  cohortwatch_jar        /opt/cohortwatch/cohortwatch.jar   built by `mvn -B -Pcluster package`
  cohortwatch_input      hdfs:///platform/cohortwatch/input  the contract's input layout
  cohortwatch_warehouse  hdfs:///platform/cohortwatch/warehouse
  cohortwatch_outbox     hdfs:///platform/cohortwatch/outbox  moderation feed and reports
  cohortwatch_config     /opt/cohortwatch/cohortwatch.jsonc   settings (cohortwatch.example.jsonc)
  cohortwatch_retention_days 400
The HMAC key for payout ids comes from the Spark connection's environment (COHORTWATCH_HMAC_KEY,
from your secret backend), never from this file.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = Variable.get("cohortwatch_jar", default_var="/opt/cohortwatch/cohortwatch.jar")
INPUT = Variable.get("cohortwatch_input", default_var="hdfs:///platform/cohortwatch/input")
WAREHOUSE = Variable.get(
    "cohortwatch_warehouse", default_var="hdfs:///platform/cohortwatch/warehouse"
)
OUTBOX = Variable.get("cohortwatch_outbox", default_var="hdfs:///platform/cohortwatch/outbox")
CONFIG = Variable.get("cohortwatch_config", default_var="/opt/cohortwatch/cohortwatch.jsonc")
RETENTION_DAYS = int(Variable.get("cohortwatch_retention_days", default_var="400"))

# Delta Lake and the sizing of a cluster run (see docs/BENCHMARKS.md, "Sizing a cluster").
SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.shuffle.partitions": "200",
    "spark.sql.adaptive.enabled": "true",
}


def cohortwatch(task_id, args, **kwargs):
    """One spark-submit of the shaded jar: `spark-submit --class ...Main JAR <args>`."""
    return SparkSubmitOperator(
        task_id=task_id,
        conn_id="spark_default",
        application=JAR,
        java_class="com.cohortwatch.cli.Main",
        application_args=args,
        conf=SPARK_CONF,
        name=f"cohortwatch-{task_id}-{{{{ ds }}}}",
        **kwargs,
    )


with DAG(
    dag_id="cohortwatch_nightly",
    description="Operator-ring detection: score the landed day and publish the risk tables",
    schedule="30 2 * * *",  # 02:30 UTC, after the platform's log export for the previous day
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,  # dates in order: each night's clusters follow the previous night's
    default_args={
        "owner": "trust-and-safety",
        "retries": 2,  # a rerun of a date is safe (replaces that date's rows only)
        "retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=3),
    },
    tags=["cohortwatch", "trust-and-safety"],
) as dag:
    score = cohortwatch(
        "score",
        [
            "run",
            "--input", INPUT,
            "--warehouse", WAREHOUSE,
            "--date", "{{ ds }}",
            "--config", CONFIG,
        ],
    )
    feed = cohortwatch(
        "feed",
        [
            "export",
            "--warehouse", WAREHOUSE,
            "--table", "account_risk",
            "--changes-since", "{{ prev_ds }}",
            "--format", "jsonl",
            "--out", OUTBOX + "/moderation-feed/{{ ds }}.jsonl",
        ],
    )
    report = cohortwatch(
        "report",
        [
            "report",
            "--warehouse", WAREHOUSE,
            "--date", "{{ ds }}",
            "--out", OUTBOX + "/reports/cohortwatch-{{ ds }}.html",
        ],
    )
    purge = cohortwatch(
        "purge",
        [
            "purge",
            "--warehouse", WAREHOUSE,
            "--before", "{{ macros.ds_add(ds, -%d) }}" % RETENTION_DAYS,
            "--vacuum-retention-hours", "168",
        ],
        retries=0,  # retention waits for next night rather than competing with analysts
    )

    score >> [feed, report]
    score >> purge
