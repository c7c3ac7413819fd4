package com.cohortwatch.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.to_date;

import com.cohortwatch.CohortWatchException;
import io.delta.tables.DeltaTable;
import java.io.FileNotFoundException;
import java.sql.Date;
import java.time.LocalDate;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One table's Delta change data feed, its past versions, and which run wrote each commit (the
 * {@code run_date} the publish stores in the commit's {@code userMetadata}).
 */
public final class ChangeFeed {
  /** Columns the change feed adds to each row. */
  public static final String CHANGE_TYPE = "_change_type";

  public static final String COMMIT_VERSION = "_commit_version";
  public static final String COMMIT_TIMESTAMP = "_commit_timestamp";

  /** The JSON field of a commit's userMetadata that names the run date it published. */
  public static final String RUN_DATE_FIELD = "run_date";

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final String table;

  public ChangeFeed(SparkSession spark, Warehouse warehouse, String table) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.table = table;
  }

  /** The commit metadata a publish stores: the run date (and run id) it wrote. */
  public static String commitMetadata(LocalDate runDate, String runId) {
    return "{\"" + RUN_DATE_FIELD + "\":\"" + runDate + "\",\"run_id\":\"" + runId + "\"}";
  }

  public long latestVersion() {
    return DeltaTable.forPath(spark, warehouse.path(table))
        .history(1)
        .select("version")
        .first()
        .getLong(0);
  }

  /**
   * The first version committed by a run for a run date after {@code date}, from the commits'
   * metadata in the Delta history; empty when no such run has published yet.
   */
  public OptionalLong firstVersionOfRunAfter(LocalDate date) {
    Row first =
        DeltaTable.forPath(spark, warehouse.path(table))
            .history()
            .filter(col("userMetadata").isNotNull())
            .filter(
                to_date(get_json_object(col("userMetadata"), "$." + RUN_DATE_FIELD))
                    .gt(lit(Date.valueOf(date))))
            .agg(min("version"))
            .first();
    return first.isNullAt(0) ? OptionalLong.empty() : OptionalLong.of(first.getLong(0));
  }

  /**
   * The change feed rows of the commits after version {@code after} up to {@code upTo}: every
   * inserted and deleted row, with {@link #CHANGE_TYPE} and {@link #COMMIT_VERSION}. Delta checks
   * the range lazily: pass failures through {@link #explain}.
   */
  public Dataset<Row> changesBetween(long after, long upTo) {
    return spark
        .read()
        .format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", after + 1)
        .option("endingVersion", upTo)
        .load(warehouse.path(table));
  }

  /** The table as it was at {@code version}: the rows a reader of that version saw. */
  public Dataset<Row> asOf(long version) {
    try {
      return spark
          .read()
          .format("delta")
          .option("versionAsOf", version)
          .load(warehouse.path(table));
    } catch (Exception e) { // AnalysisException is checked in Java's eyes, thrown by Scala code
      throw explain(e, version);
    }
  }

  /**
   * A clear message for the ways reading history fails: change data not recorded for the range (the
   * feed was enabled later), files removed by VACUUM (after purge or erase), or a version whose log
   * entry was cleaned up. Anything else is returned unchanged.
   */
  public RuntimeException explain(Exception e, long after) {
    String resync =
        "; export the table in full (export --table "
            + table
            + ") to resynchronise, then ask for changes since its current version";
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("DELTA_MISSING_CHANGE_DATA")) {
        return new CohortWatchException(
            table
                + " has no change data for the versions after "
                + after
                + ": the change feed was enabled later (DESCRIBE HISTORY shows when)"
                + resync);
      }
      if (t instanceof FileNotFoundException
          || t.getClass().getSimpleName().contains("FileNotFound")
          || m.contains("DELTA_FILE_NOT_FOUND")
          || m.contains("DELTA_CHANGE_DATA_FILE_NOT_FOUND")) {
        return new CohortWatchException(
            "the history of "
                + table
                + " after version "
                + after
                + " can no longer be read: its files were removed by VACUUM (after a purge or"
                + " an erasure)"
                + resync);
      }
      if (m.contains("Cannot time travel")
          || m.contains("DELTA_VERSION_NOT_FOUND")
          || t.getClass().getSimpleName().contains("VersionNotFound")) {
        return new CohortWatchException(
            table
                + " version "
                + after
                + " is no longer in the Delta log (log retention)"
                + resync);
      }
    }
    return e instanceof RuntimeException r
        ? r
        : new CohortWatchException("cannot read the history of " + table + ": " + e.getMessage());
  }
}
