#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the Maven artifacts (no Spark download):
# one master and two workers (1 core each) on 127.0.0.1, SPARK_HOME = jobs/target/spark-home
# (Spark's jars, copied by `mvn verify` in pre-integration-test), then `spark-submit` of the
# shaded jar in client mode with `run` on data-samples/. The cluster is always torn down.
#
#   bench/cluster.sh [--out DIR] [--jar FILE] [--jars LIST] [--input DIR [--sample-key]]
#                    [--date YYYY-MM-DD]
#
#   --out    where logs, worker dirs, the event log and the warehouse go (default
#            jobs/target/cluster-run; a folder of an earlier cluster run is emptied first)
#   --jar    the application jar (default jobs/target/cohortwatch.jar, the normal shaded jar,
#            built first when missing or older than the sources; a `mvn -Pcluster` jar works too)
#   --jars   comma-separated jars for spark-submit's --jars: Delta Lake's for the thin jar
#            (jobs/target/cohortwatch-thin.jar), e.g. those copied to jobs/target/delta-jars
#   --input  input root (default data-samples, run with --sample-key; other inputs need
#            COHORTWATCH_HMAC_KEY, or --sample-key after --input for a copy of data-samples)
#   --date   run date (default 2026-11-20)
# Environment: CLUSTER_SUBMIT_TIMEOUT seconds for the run (default 1200),
#   CLUSTER_EXECUTOR_MEMORY (default 1g), CLUSTER_DRIVER_MEMORY (default 1536m),
#   CLUSTER_JAVA_OPTS for every JVM (default -XX:TieredStopAtLevel=1: C1 only, which halves the
#   CPU of a run this short; set it empty for timings meant to resemble a long-lived cluster).
#
# Prints the run's summary, then where the tasks ran (per executor, from the event log and each
# worker's executor log). Exit code: 0; 1 the run (or the build) failed; 2 usage; 3 the cluster
# did not come up or no task ran on an executor; 124 the run hit CLUSTER_SUBMIT_TIMEOUT;
# 143 interrupted.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/jobs/target/cluster-run"
jar=""
extra_jars=""
input="$here/data-samples"
sample_key=(--sample-key)
date="2026-11-20"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --jars) extra_jars="$2"; shift 2 ;;
    --input) input="$2"; sample_key=(); shift 2 ;;
    --sample-key) sample_key=(--sample-key); shift ;;
    --date) date="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "cluster.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
submit_timeout="${CLUSTER_SUBMIT_TIMEOUT:-1200}"
daemon_timeout=$((submit_timeout + 300)) # daemons die on their own even if this script is killed
spark_home="$here/jobs/target/spark-home"
default_jar="$here/jobs/target/cohortwatch.jar"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
say() { echo "cluster.sh: $*"; }

# 1. Build when the jar or SPARK_HOME is missing or the jar is older than the sources.
#    `verify -DskipTests` = package (the shaded jar) + pre-integration-test (SPARK_HOME's jars).
if [ -z "$jar" ]; then
  jar="$default_jar"
  if [ ! -f "$jar" ] || [ ! -d "$spark_home/jars" ] ||
    [ -n "$(find "$here/pom.xml" "$here/jobs/pom.xml" "$here/jobs/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    say "building $jar and $spark_home (first run or sources changed) ..."
    (cd "$here" && mvn -q -B clean verify -DskipTests) || { say "build failed"; exit 1; }
  fi
elif [ ! -d "$spark_home/jars" ]; then
  say "building $spark_home ..."
  (cd "$here" && mvn -q -B verify -DskipTests) || { say "build failed"; exit 1; }
fi
[ -f "$jar" ] || { say "no jar at $jar"; exit 1; }
jar="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"

# 2. SPARK_HOME's layout around the jars: RELEASE (so the worker's launcher uses jars/ for the
#    executors' classpath) and conf/log4j2.properties (daemons, driver and executors all read it).
printf 'Spark 3.5.7 assembled from Maven Central artifacts by bench/cluster.sh\n' >"$spark_home/RELEASE"
mkdir -p "$spark_home/conf"
cat >"$spark_home/conf/log4j2.properties" <<'EOF'
# Spark at WARN except what shows the cluster at work: the master and workers (deploy), executors
# registering with the driver (scheduler.cluster) and tasks running on executors (executor).
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.cohortwatch.name = com.cohortwatch
logger.cohortwatch.level = info
logger.deploy.name = org.apache.spark.deploy
logger.deploy.level = info
logger.cluster.name = org.apache.spark.scheduler.cluster
logger.cluster.level = info
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = info
logger.nativeloader.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativeloader.level = error
logger.stringutils.name = org.apache.spark.sql.catalyst.util.SparkStringUtils
logger.stringutils.level = error
logger.blockmanager.name = org.apache.spark.storage.BlockManager
logger.blockmanager.level = error
logger.hadoopfs.name = org.apache.hadoop.fs
logger.hadoopfs.level = error
EOF

# The flags Spark's own launcher passes on Java 17 (the same list as bin/cohortwatch).
flags="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
flags="$flags ${CLUSTER_JAVA_OPTS--XX:TieredStopAtLevel=1}"
classpath="$spark_home/conf:$spark_home/jars/*"
# SPARK_SCALA_VERSION: without a distribution's bin/load-spark-env.sh to set it, the workers'
# launcher looks for build directories (launcher/target/scala-*) and fails every executor.
export SPARK_HOME="$spark_home" SPARK_LOCAL_IP=127.0.0.1 SPARK_CONF_DIR="$spark_home/conf" SPARK_SCALA_VERSION=2.12
unset MASTER SPARK_MASTER_HOST SPARK_WORKER_DIR || true

if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/master.log" ]; then
  say "--out $out is not empty and not an earlier cluster run; not deleting it" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out/events" "$out/local"
out="$(cd "$out" && pwd)"
export SPARK_LOCAL_DIRS="$out/local"

# 3. Teardown, whatever happens. Each daemon and the driver run in their own session (setsid),
#    so killing the process group also takes the executors a worker started.
pgids=()
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  # By group (daemon, timeout, JVM and the executors a worker started), or by pid when the child
  # was stopped before it got to setsid.
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || kill -TERM "$g" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    local alive=0
    for g in "${pgids[@]}"; do kill -0 -- "-$g" 2>/dev/null || kill -0 "$g" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for g in "${pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null || kill -KILL "$g" 2>/dev/null || true; done
  [ "${#pgids[@]}" -gt 0 ] && say "stopped the cluster (${#pgids[@]} process groups); logs in $out"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

start() { # start NAME LOG CLASS ARGS... : a daemon in its own session, with a time limit
  local log="$1" cls="$2"
  shift 2
  # shellcheck disable=SC2086
  setsid timeout -k 10 "$daemon_timeout" "$java_bin" -Xmx512m $flags -cp "$classpath" "$cls" "$@" \
    >"$log" 2>&1 </dev/null &
  pgids+=("$!")
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND... : poll until COMMAND succeeds
  local limit="$1" what="$2"
  shift 2
  for _ in $(seq 1 $((limit * 2))); do
    "$@" && return 0
    for g in "${pgids[@]}"; do
      # the pid, not the group: a daemon just started may not have called setsid yet
      kill -0 "$g" 2>/dev/null || { say "a daemon exited while waiting for $what"; return 1; }
    done
    sleep 0.5
  done
  say "timed out after ${limit}s waiting for $what"
  return 1
}

# 4. The master, on ports the OS picks (port 0): no clash with other runs on this machine.
t0=$(date +%s)
start "$out/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0
wait_for 90 "the master" grep -q 'Bound MasterWebUI' "$out/master.log" || { cat "$out/master.log"; exit 3; }
master_url="$(grep -o 'Starting Spark master at spark://[0-9.:]*' "$out/master.log" | grep -o 'spark://.*')"
master_ui="$(grep -o 'started at http://[^ ]*' "$out/master.log" | sed 's/started at //')"
say "master $master_url (web UI $master_ui, JSON at $master_ui/json/)"

# 5. Two workers, one core and their own work dir each.
for i in 1 2; do
  start "$out/worker-$i.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 \
    --webui-port 0 --cores 1 --memory 2g --work-dir "$out/work-$i" "$master_url"
done
workers_registered() { [ "$(grep -c 'Registering worker' "$out/master.log")" -ge 2 ]; }
wait_for 90 "two workers to register" workers_registered || { tail -n 20 "$out"/*.log; exit 3; }
say "2 workers registered ($(grep -o 'Registering worker [^ ]* with [^,]*' "$out/master.log" | sed 's/Registering worker //' | paste -sd ';' | sed 's/;/; /g')) after $(($(date +%s) - t0))s"

# 6. spark-submit in client mode: the driver runs here, the tasks on the two executors.
#    minRegisteredResourcesRatio=1: the first job waits for both executors.
say "spark-submit $(basename "$jar") run --input $input --warehouse $out/warehouse --date $date"
# shellcheck disable=SC2086
setsid timeout -k 10 "$submit_timeout" "$java_bin" -Xmx"${CLUSTER_DRIVER_MEMORY:-1536m}" $flags \
  -cp "$classpath" org.apache.spark.deploy.SparkSubmit \
  --master "$master_url" --deploy-mode client \
  --class com.cohortwatch.cli.Main \
  --name cohortwatch-cluster-run \
  --conf "spark.executor.extraJavaOptions=$flags" \
  --conf "spark.executor.memory=${CLUSTER_EXECUTOR_MEMORY:-1g}" \
  --conf spark.sql.shuffle.partitions=4 \
  --conf spark.databricks.delta.snapshotPartitions=2 \
  --conf spark.scheduler.minRegisteredResourcesRatio=1.0 \
  --conf spark.scheduler.maxRegisteredResourcesWaitingTime=60s \
  --conf spark.ui.enabled=false \
  ${extra_jars:+--jars "$extra_jars"} \
  --conf spark.eventLog.enabled=true \
  --conf "spark.eventLog.dir=file://$out/events" \
  "$jar" run --input "$input" --warehouse "$out/warehouse" --date "$date" "${sample_key[@]}" \
  >"$out/driver.out" 2>"$out/driver.log" </dev/null &
driver=$!
pgids+=("$driver")
set +e
wait "$driver"
code=$?
set -e
cat "$out/driver.out"
if [ "$code" -ne 0 ]; then
  [ "$code" -eq 124 ] && say "the run timed out after ${submit_timeout}s"
  say "the driver failed with exit code $code; last lines of $out/driver.log:"
  tail -n 30 "$out/driver.log"
  exit "$code"
fi

# 7. Where the tasks ran: the event log's task-end events per executor ("driver" would mean local).
events="$(ls "$out"/events/* 2>/dev/null | head -n 1)"
per_executor="$(grep '"Event":"SparkListenerTaskEnd"' "$events" |
  sed -E 's/.*"Task Info":\{[^}]*"Executor ID":"([^"]*)".*/\1/' | sort | uniq -c |
  awk '{printf "%s executor %s: %s tasks", sep, $2, $1; sep=";"}')"
executor_tasks="$(grep '"Event":"SparkListenerTaskEnd"' "$events" |
  sed -E 's/.*"Task Info":\{[^}]*"Executor ID":"([^"]*)".*/\1/' | grep -vc '^driver$' || true)"
say "driver: $(grep -c 'Registered executor' "$out/driver.log" || true) executors registered;$per_executor"
for i in 1 2; do
  say "worker $i: $(find "$out/work-$i" -name stderr | sed "s|$out/||" | paste -sd ' ')" \
    "($(cat "$out/work-$i"/*/*/stderr 2>/dev/null | grep -c 'Finished task' || true) tasks finished)"
done
say "done in $(($(date +%s) - t0))s; warehouse $out/warehouse, event log $events"
if [ "$executor_tasks" -eq 0 ]; then
  say "no task ran on an executor: this was not a cluster run"
  exit 3
fi
