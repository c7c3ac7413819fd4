package com.cohortwatch.cli;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.WarehouseLock;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.retention.Retention;
import com.cohortwatch.spark.Sessions;
import java.io.PrintStream;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** What several commands share: the session, the warehouse lock, and how results are printed. */
final class CommandSupport {
  private CommandSupport() {}

  static final String VACUUM_HELP =
      "  --vacuum-retention-hours H   VACUUM keeps files newer than this for readers and time"
          + " travel (default "
          + Retention.DEFAULT_VACUUM_RETENTION_HOURS
          + ", Delta's own); the deleted rows are physically gone only once it has passed\n";

  /**
   * Runs a writer holding the warehouse lock: a second writer (or a VACUUM during a run) fails at
   * once instead of deleting files a run has not committed yet or undoing an erasure.
   */
  static void locked(SparkSession spark, String warehouse, String command, Runnable body) {
    try (WarehouseLock lock =
        WarehouseLock.acquire(spark.sparkContext().hadoopConfiguration(), warehouse, command)) {
      body.run();
    }
  }

  static Warehouse requireWarehouse(SparkSession spark, String dir) {
    Warehouse warehouse = new Warehouse(spark, dir);
    if (!warehouse.exists(com.cohortwatch.schema.TableNames.RUN_METRICS)) {
      throw new CohortWatchException("no CohortWatch warehouse at " + dir + " (no run_metrics)");
    }
    return warehouse;
  }

  static void printRemoved(PrintStream out, String what, Map<String, Long> removed, int hours) {
    long total = removed.values().stream().mapToLong(Long::longValue).sum();
    out.printf("%s: %d rows removed%n", what, total);
    removed.forEach((table, n) -> out.printf("  %-16s %10d%n", table, n));
    out.printf("vacuumed with a retention of %d hours%n", hours);
  }

  /** Writes the --summary-json file; returns where it landed. */
  static String writeSummary(
      SparkSession spark,
      String file,
      RunMetrics metrics,
      java.time.Instant started,
      RuntimeException failure) {
    String json =
        metrics
            .finalRow()
            .map(com.cohortwatch.metrics.RunSummaryJson::of)
            .orElseGet(
                () ->
                    com.cohortwatch.metrics.RunSummaryJson.failedBeforeStart(
                        metrics.command(),
                        metrics.runDate(),
                        started,
                        failure == null ? null : oneLine(String.valueOf(failure.getMessage()))));
    return com.cohortwatch.io.TextFile.write(spark.sparkContext().hadoopConfiguration(), file, json)
        .path();
  }

  static void printSummary(PrintStream out, RunMetrics metrics) {
    out.println(metrics.summaryTable());
  }

  interface SparkBody {
    void accept(SparkSession spark);
  }

  static void withSession(String appName, SparkBody body) {
    SparkSession spark = Sessions.forCli(appName);
    try {
      body.accept(spark);
    } finally {
      spark.stop();
    }
  }

  static String oneLine(String message) {
    String m = message == null ? "" : message.strip();
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.length() > 400 ? m.substring(0, 400) + "..." : m;
  }
}
