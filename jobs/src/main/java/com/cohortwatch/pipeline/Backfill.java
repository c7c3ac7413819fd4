package com.cohortwatch.pipeline;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.metrics.RunMetrics;
import java.time.LocalDate;
import java.util.function.BiConsumer;
import org.apache.spark.sql.SparkSession;

/**
 * A backfill is the nightly runs of each date in order, each seeing only the login folders landed
 * up to its own date: the same tables as if the job had run every night.
 */
public final class Backfill {
  private Backfill() {}

  public static void run(
      SparkSession spark,
      RunConfig config,
      LocalDate from,
      LocalDate to,
      BiConsumer<LocalDate, RunMetrics> afterEachNight) {
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      afterEachNight.accept(d, NightlyRun.run(spark, config.withRunDate(d), "backfill"));
    }
  }
}
