package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.ingest.IngestLog;
import com.cohortwatch.ingest.IngestStage;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The nightly job: ingest, then detect and publish. Reads like the pipeline it runs. */
public final class NightlyRun {
  private static final Logger LOG = LoggerFactory.getLogger(NightlyRun.class);

  private NightlyRun() {}

  public static RunMetrics run(SparkSession spark, RunConfig config) {
    return run(spark, config, "run");
  }

  public static RunMetrics run(SparkSession spark, RunConfig config, String command) {
    return run(spark, config, new RunMetrics(config.runDate(), command));
  }

  /**
   * Runs with metrics the caller holds, so it can still read the final run_metrics row when the run
   * fails (`--summary-json`).
   */
  public static RunMetrics run(SparkSession spark, RunConfig config, RunMetrics metrics) {
    checkRunDate(
        config.runDate(), LocalDate.parse(config.settings().get(Settings.EARLIEST_VALID_DATE)));
    Warehouse warehouse = new Warehouse(spark, config.warehouse());
    warehouse.checkWritable();
    metrics.expectStages(previousStageSeconds(warehouse));
    LOG.info(
        "run {} for {}: input {}, warehouse {}, lookback {} days",
        metrics.runId(),
        config.runDate(),
        config.input(),
        config.warehouse(),
        config.lookbackDays());
    try {
      // A run killed before its last row says "started" and nothing else: readers can tell.
      recordRun(warehouse, metrics, spark, RunMetrics.STARTED, null);
      IngestStage.Result ingested =
          metrics.stage(spark, "ingest", () -> IngestStage.run(spark, config, warehouse, metrics));
      if (!ingested.daysIngested().contains(config.runDate())) {
        metrics.note(
            "no login files landed for "
                + config.runDate()
                + "; scoring the window from the days already ingested");
      }
      metrics.stage(
          spark,
          "rollups",
          () -> {
            String rebuilt =
                RollupStage.updateRollups(spark, config, warehouse, ingested.daysIngested());
            if (rebuilt != null) {
              metrics.note("rollups rebuilt from every login in bronze: " + rebuilt);
            }
            IngestLog.recordIngestedDays(spark, config, warehouse, ingested.daysIngested());
          });
      DetectStage.scoreAndPublish(spark, config, warehouse, metrics);
      recordRun(warehouse, metrics, spark, RunMetrics.SUCCEEDED, null);
      return metrics;
    } catch (RuntimeException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      try {
        recordRun(warehouse, metrics, spark, RunMetrics.FAILED, firstLine(message));
      } catch (RuntimeException secondary) {
        LOG.warn("could not record the failed run in run_metrics: {}", secondary.getMessage());
      }
      throw e;
    }
  }

  /**
   * Stage timings of the newest succeeded run in this warehouse, for the progress estimates: one
   * row of run_metrics; none on a new warehouse.
   */
  static Map<String, Double> previousStageSeconds(Warehouse warehouse) {
    if (!warehouse.exists(TableNames.RUN_METRICS)) {
      return Map.of();
    }
    List<Row> newest =
        warehouse
            .read(TableNames.RUN_METRICS)
            .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
            .orderBy(col(Schemas.FINISHED_AT).desc())
            .select(Schemas.STAGE_SECONDS)
            .limit(1)
            .collectAsList();
    if (newest.isEmpty() || newest.get(0).isNullAt(0)) {
      return Map.of();
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    newest.get(0).<String, Double>getJavaMap(0).forEach(seconds::put);
    return seconds;
  }

  private static void recordRun(
      Warehouse warehouse, RunMetrics metrics, SparkSession spark, String status, String message) {
    warehouse.ensure(TableNames.RUN_METRICS, Schemas.RUN_METRICS);
    warehouse.append(
        TableNames.RUN_METRICS, Schemas.RUN_METRICS, metrics.toRow(spark, status, message));
  }

  static void checkRunDate(LocalDate date, LocalDate earliestValid) {
    LocalDate tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    if (date.isAfter(tomorrow)) {
      throw new CohortWatchException("run date " + date + " is in the future");
    }
    if (date.isBefore(earliestValid)) {
      throw new CohortWatchException(
          "run date "
              + date
              + " is before "
              + Settings.EARLIEST_VALID_DATE.name()
              + " ("
              + earliestValid
              + ")");
    }
  }

  static String firstLine(String message) {
    String line = message.strip();
    int nl = line.indexOf('\n');
    return nl >= 0 ? line.substring(0, nl) : line;
  }
}
