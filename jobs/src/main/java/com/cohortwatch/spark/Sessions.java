package com.cohortwatch.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession with Delta Lake configured; the master comes from spark-submit or the
 * default.
 */
public final class Sessions {
  private Sessions() {}

  /** The embedded default when no master was given (bin/cohortwatch); spark-submit sets its own. */
  public static final String DEFAULT_MASTER = "local[*]";

  public static SparkSession.Builder deltaBuilder(String appName) {
    return SparkSession.builder()
        .appName(appName)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.databricks.delta.schema.autoMerge.enabled", "false")
        // Late or skewed days must not fail the job on a default shuffle width.
        .config("spark.sql.adaptive.enabled", "true");
  }

  /**
   * A session for the command line: local[*] unless spark.master was already set (spark-submit).
   */
  public static SparkSession forCli(String appName) {
    SparkSession.Builder builder = deltaBuilder(appName);
    if (System.getProperty("spark.master") == null && System.getenv("MASTER") == null) {
      builder.master(DEFAULT_MASTER);
      localDefaults(System.getProperties()).forEach(builder::config);
    }
    return builder.getOrCreate();
  }

  /**
   * The embedded run's settings, each unless the JVM was given it as a system property ({@code
   * COHORTWATCH_JAVA_OPTS=-Dspark.sql.shuffle.partitions=64}): Spark reads those too, but the
   * builder's own setting would override it.
   */
  static Map<String, String> localDefaults(Properties system) {
    String perCore = String.valueOf(Math.max(4, Runtime.getRuntime().availableProcessors() * 4));
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("spark.ui.enabled", system.getProperty("cohortwatch.ui", "false"));
    defaults.put("spark.sql.shuffle.partitions", perCore);
    // Delta's VACUUM lists files with this many tasks (default 10,000): tens of seconds per table
    // on one machine, for a listing of a few hundred files.
    defaults.put("spark.sql.sources.parallelPartitionDiscovery.parallelism", perCore);
    // Delta rebuilds a table's state from its log with this many tasks (default 50) at every
    // snapshot; one machine's log is small, and the 50 tasks made ingestion of the samples 39.6 s
    // instead of 22.6 s (whole run 94 s instead of 62 s).
    defaults.put(
        "spark.databricks.delta.snapshotPartitions",
        String.valueOf(Runtime.getRuntime().availableProcessors()));
    defaults.replaceAll((key, value) -> system.getProperty(key, value));
    return defaults;
  }
}
