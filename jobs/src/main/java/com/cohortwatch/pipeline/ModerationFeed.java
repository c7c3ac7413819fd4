package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import com.cohortwatch.io.ChangeFeed;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The moderation feed: the accounts whose published flag (tier or score) changed, or which are new,
 * since a point the consumer has already seen. The change data feed of account_risk says which
 * accounts were written after that point; each is then compared with its own previous published
 * row, so a rerun that deletes and re-inserts identical rows reports nothing. See README
 * "Moderation feed" for the exact definitions.
 */
public final class ModerationFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ModerationFeed.class);

  /** Score differences at or below this are floating-point noise, not a change. */
  public static final double SCORE_TOLERANCE = 1e-9;

  /** The account had no published row before the starting point. */
  public static final String NEW = "new";

  /** Its tier or score differs from its previous published row. */
  public static final String CHANGED = "changed";

  private ModerationFeed() {}

  /**
   * Where the feed starts: either a run date (what runs for later run dates published) or a Delta
   * version of account_risk the consumer has already read (what was committed after it).
   */
  public record Since(LocalDate date, Long version) {
    public static Since date(LocalDate date) {
      return new Since(date, null);
    }

    public static Since version(long version) {
      return new Since(null, version);
    }

    /** {@code --changes-since}: a run date YYYY-MM-DD or a Delta version number. */
    public static Since parse(String value) {
      String v = value.strip();
      if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
        try {
          return date(LocalDate.parse(v));
        } catch (java.time.format.DateTimeParseException e) {
          throw new UsageException("export: --changes-since " + v + " is not a valid date");
        }
      }
      if (v.matches("\\d{1,18}")) {
        return version(Long.parseLong(v));
      }
      throw new UsageException(
          "export: --changes-since takes a run date YYYY-MM-DD or a table version number, got '"
              + value
              + "'");
    }

    @Override
    public String toString() {
      return date != null ? date.toString() : "version " + version;
    }
  }

  /**
   * What an export wrote: the rows, and the versions of account_risk compared (after {@code
   * afterVersion}, up to and including {@code toVersion}: the next export starts from it).
   */
  public record Result(long rows, long afterVersion, long toVersion) {}

  public static Result export(
      SparkSession spark, Warehouse warehouse, Since since, Exporter.Format format, String out) {
    String table = TableNames.ACCOUNT_RISK;
    if (!warehouse.exists(table)) {
      throw new CohortWatchException("no table '" + table + "' in warehouse " + warehouse.root());
    }
    ChangeFeed feed = new ChangeFeed(spark, warehouse, table);
    long latest = feed.latestVersion();
    long after;
    if (since.version() != null) {
      if (since.version() > latest) {
        throw new CohortWatchException(
            table + " has no version " + since.version() + " (the latest is " + latest + ")");
      }
      after = since.version();
    } else {
      OptionalLong first = feed.firstVersionOfRunAfter(since.date());
      after = first.isPresent() ? first.getAsLong() - 1 : latest;
    }
    LOG.info("moderation feed since {}: versions after {} up to {}", since, after, latest);
    try {
      Dataset<Row> changes;
      if (after >= latest) {
        changes = spark.createDataFrame(List.of(), Schemas.MODERATION_FEED);
      } else {
        Dataset<Row> before =
            after < 0 ? spark.createDataFrame(List.of(), Schemas.ACCOUNT_RISK) : feed.asOf(after);
        changes =
            changes(
                feed.changesBetween(after, latest).select(Cols.ACCOUNT_ID),
                before,
                feed.asOf(latest),
                since.date(),
                latest);
      }
      long rows =
          Exporter.write(
              Warehouse.conform(changes, Schemas.MODERATION_FEED)
                  .orderBy(col(Cols.RISK_SCORE).desc(), col(Cols.ACCOUNT_ID)),
              format,
              out);
      return new Result(rows, after, latest);
    } catch (CohortWatchException e) {
      throw e;
    } catch (Exception e) { // AnalysisException is checked in Java's eyes, thrown by Scala code
      // Delta resolves the change feed and old versions lazily: failures surface here.
      throw feed.explain(e, after);
    }
  }

  /**
   * The feed records: for each touched account, its newest row now against its newest row before
   * the starting point; kept when it is new or its tier or score changed.
   *
   * @param touched account_id of every change-feed row after the starting point (any change type)
   * @param before account_risk as it was at the starting point
   * @param now account_risk now
   * @param afterRunDate when the feed starts from a run date: only accounts whose newest row is of
   *     a later run date are reported; null for a version
   * @param tableVersion the account_risk version compared, stamped on every record
   */
  public static Dataset<Row> changes(
      Dataset<Row> touched,
      Dataset<Row> before,
      Dataset<Row> now,
      LocalDate afterRunDate,
      long tableVersion) {
    Dataset<Row> accounts = touched.select(col(Cols.ACCOUNT_ID).as("_t")).distinct();
    Dataset<Row> previous =
        newestPerAccount(onlyTouched(before, accounts))
            .select(
                col(Cols.ACCOUNT_ID).as("_p"),
                col(Cols.RISK_TIER).as(Cols.PREVIOUS_TIER),
                col(Cols.RISK_SCORE).as(Cols.PREVIOUS_SCORE),
                col(Cols.RUN_DATE).as(Cols.PREVIOUS_RUN_DATE));
    Dataset<Row> current = newestPerAccount(onlyTouched(now, accounts));
    if (afterRunDate != null) {
      current = current.filter(col(Cols.RUN_DATE).gt(lit(Date.valueOf(afterRunDate))));
    }
    Column tierChanged = col(Cols.RISK_TIER).notEqual(col(Cols.PREVIOUS_TIER));
    Column scoreChanged =
        abs(col(Cols.RISK_SCORE).minus(col(Cols.PREVIOUS_SCORE))).gt(SCORE_TOLERANCE);
    Column change =
        when(col("_p").isNull(), lit(NEW)).when(tierChanged.or(scoreChanged), lit(CHANGED));
    return current
        .join(previous, col(Cols.ACCOUNT_ID).equalTo(col("_p")), "left")
        .withColumn(Cols.CHANGE, change)
        .filter(col(Cols.CHANGE).isNotNull())
        .select(
            col(Cols.ACCOUNT_ID),
            col(Cols.RISK_TIER),
            col(Cols.RISK_SCORE),
            col(Cols.PREVIOUS_TIER),
            col(Cols.PREVIOUS_SCORE),
            col(Cols.CHANGE),
            col(Cols.REASONS),
            col(Cols.CLUSTER_ID),
            col(Cols.RUN_DATE),
            col(Cols.PREVIOUS_RUN_DATE),
            lit(tableVersion).as(Cols.TABLE_VERSION));
  }

  private static Dataset<Row> onlyTouched(Dataset<Row> rows, Dataset<Row> accounts) {
    return rows.join(accounts, rows.col(Cols.ACCOUNT_ID).equalTo(accounts.col("_t")), "left_semi");
  }

  /** Each account's row of its newest run date. */
  static Dataset<Row> newestPerAccount(Dataset<Row> rows) {
    return rows.withColumn(
            "_rn",
            row_number()
                .over(Window.partitionBy(col(Cols.ACCOUNT_ID)).orderBy(col(Cols.RUN_DATE).desc())))
        .filter(col("_rn").equalTo(1))
        .drop("_rn");
  }
}
