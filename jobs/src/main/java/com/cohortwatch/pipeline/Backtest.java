package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.detect.Feedback;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.RiskTier;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.spark.Cached;
import java.io.IOException;
import java.sql.Date;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rescoring past nights with other settings before they ship, without touching what was published:
 * every table of the published warehouse is shallow-cloned into a scratch warehouse (Delta SHALLOW
 * CLONE: the clone points at the published files and writes only its own), the nightly run of each
 * date is rerun there, and the scratch scores are compared with the published scores of the same
 * nights. Because the clone carries the published history (ingested days, rollups, last night's
 * clusters), the rerun ingests nothing again and keeps the published cluster ids, so clusters
 * compare by id.
 */
public final class Backtest {
  private Backtest() {}

  /** Accounts and clusters listed by name in the printed comparison, strongest first. */
  public static final int LISTED = 20;

  /** Every table a nightly run reads or writes. */
  static List<String> tables() {
    List<String> tables = new ArrayList<>();
    for (InputTable t : InputTable.values()) {
      tables.add(t.folder());
    }
    tables.addAll(
        List.of(
            TableNames.QUARANTINE,
            TableNames.ATTRIBUTE_DAILY,
            TableNames.CO_LOGIN_MEETINGS,
            TableNames.INGEST_LOG,
            TableNames.ERASURES,
            TableNames.LINK_EVIDENCE,
            TableNames.CLUSTER_MEMBERS,
            TableNames.CLUSTER_RISK,
            TableNames.ACCOUNT_RISK,
            TableNames.RUN_METRICS));
    return tables;
  }

  /** One side's flags against review decisions: flagged accounts with a decision, confirmed. */
  public record Precision(long flagged, long decided, long confirmed) {
    String format() {
      return decided == 0
          ? String.format("%d accounts flagged, none with a review decision", flagged)
          : String.format(
              "%.3f (%d of %d flagged accounts with a review decision were confirmed; %d flagged)",
              (double) confirmed / decided, confirmed, decided, flagged);
    }
  }

  /** What changed between the published and the rescored nights. */
  public record Comparison(
      long newlyFlaggedAccounts,
      long noLongerFlaggedAccounts,
      List<String> newlyFlaggedSample,
      List<String> noLongerFlaggedSample,
      long newlyFlaggedClusters,
      long noLongerFlaggedClusters,
      List<String> newlyFlaggedClusterSample,
      List<String> noLongerFlaggedClusterSample,
      List<Row> tierMoves,
      Precision published,
      Precision rescored) {

    public String format(LocalDate from, LocalDate to, String scratch) {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              "backtest %s..%s: rescored into %s, compared with the published scores of the same"
                  + " nights (flagged = high or critical)%n",
              from, to, scratch));
      sb.append(
          String.format(
              "accounts newly flagged: %d%s%n",
              newlyFlaggedAccounts, sample(newlyFlaggedSample, newlyFlaggedAccounts)));
      sb.append(
          String.format(
              "accounts no longer flagged: %d%s%n",
              noLongerFlaggedAccounts, sample(noLongerFlaggedSample, noLongerFlaggedAccounts)));
      sb.append(
          String.format(
              "clusters newly flagged: %d%s%n",
              newlyFlaggedClusters, sample(newlyFlaggedClusterSample, newlyFlaggedClusters)));
      sb.append(
          String.format(
              "clusters no longer flagged: %d%s%n",
              noLongerFlaggedClusters,
              sample(noLongerFlaggedClusterSample, noLongerFlaggedClusters)));
      sb.append("account tier moves (published -> rescored):");
      if (tierMoves.isEmpty()) {
        sb.append(" none");
      }
      for (Row r : tierMoves) {
        sb.append(
            String.format("%n  %-8s -> %-8s %8d", r.getString(0), r.getString(1), r.getLong(2)));
      }
      sb.append(String.format("%nflag precision, published: %s%n", published.format()));
      sb.append(String.format("flag precision, rescored:  %s", rescored.format()));
      return sb.toString();
    }

    private static String sample(List<String> ids, long total) {
      if (ids.isEmpty()) {
        return "";
      }
      return " (" + String.join(", ", ids) + (total > ids.size() ? ", ..." : "") + ")";
    }
  }

  /**
   * Clones the published warehouse into scratch, reruns each date there with {@code config}'s
   * settings, and compares. {@code config.warehouse()} is the published warehouse; it is only read.
   */
  public static Comparison run(
      SparkSession spark,
      RunConfig config,
      String scratch,
      LocalDate from,
      LocalDate to,
      BiConsumer<LocalDate, RunMetrics> afterEachNight) {
    Warehouse published = new Warehouse(spark, config.warehouse());
    if (!published.exists(TableNames.ACCOUNT_RISK)) {
      throw new CohortWatchException(
          "no published account_risk in " + config.warehouse() + " to backtest against");
    }
    checkSeparate(spark, config.warehouse(), scratch);
    Warehouse rescored = new Warehouse(spark, scratch);
    rescored.checkWritable();
    for (String table : tables()) {
      if (published.exists(table)) {
        spark.sql(
            "CREATE OR REPLACE TABLE "
                + rescored.sqlName(table)
                + " SHALLOW CLONE "
                + published.sqlName(table));
      }
    }
    RunConfig scratchConfig =
        new RunConfig(
            config.input(),
            scratch,
            from,
            config.lookbackDays(),
            config.settings(),
            config.sampleRun());
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      afterEachNight.accept(d, NightlyRun.run(spark, scratchConfig.withRunDate(d), "backtest"));
    }
    Column period = col(Cols.RUN_DATE).between(Date.valueOf(from), Date.valueOf(to));
    Dataset<Row> decisions =
        published.exists(InputTable.DECISIONS.folder())
            ? Feedback.latestDecisions(
                published.read(InputTable.DECISIONS.folder()),
                LocalDate.now(ZoneOffset.UTC).plusDays(1))
            : null;
    return compare(
        published.read(TableNames.ACCOUNT_RISK).filter(period),
        rescored.read(TableNames.ACCOUNT_RISK).filter(period),
        published.read(TableNames.CLUSTER_RISK).filter(period),
        rescored.read(TableNames.CLUSTER_RISK).filter(period),
        decisions);
  }

  /** The scratch warehouse must not be the published one nor lie inside it. */
  static void checkSeparate(SparkSession spark, String publishedRoot, String scratchRoot) {
    try {
      Path p = new Path(publishedRoot);
      Path s = new Path(scratchRoot);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      String pq = fs.makeQualified(p).toString().replaceAll("/+$", "") + "/";
      String sq =
          s.getFileSystem(spark.sparkContext().hadoopConfiguration())
                  .makeQualified(s)
                  .toString()
                  .replaceAll("/+$", "")
              + "/";
      if (sq.startsWith(pq) || pq.startsWith(sq)) {
        throw new UsageException(
            "backtest: --scratch "
                + scratchRoot
                + " must be outside the published warehouse "
                + publishedRoot);
      }
    } catch (IOException e) {
      throw new CohortWatchException("cannot resolve " + scratchRoot + ": " + e.getMessage());
    }
  }

  private static Column flagged(String tier) {
    return coalesce(col(tier).isin(RiskTier.FLAGGED.toArray()), lit(false));
  }

  /**
   * The comparison from the two sides' rows of the same run dates: small aggregates and capped
   * lists reach the driver, nothing else.
   */
  static Comparison compare(
      Dataset<Row> publishedAccounts,
      Dataset<Row> rescoredAccounts,
      Dataset<Row> publishedClusters,
      Dataset<Row> rescoredClusters,
      Dataset<Row> latestDecisions) {
    try (Cached cached = new Cached()) {
      Dataset<Row> accounts =
          cached.of(sideBySide(publishedAccounts, rescoredAccounts, Cols.ACCOUNT_ID));
      Dataset<Row> clusters =
          cached.of(sideBySide(publishedClusters, rescoredClusters, Cols.CLUSTER_ID));
      Column newly = flagged("r_tier").and(org.apache.spark.sql.functions.not(flagged("p_tier")));
      Column gone = flagged("p_tier").and(org.apache.spark.sql.functions.not(flagged("r_tier")));
      Dataset<Row> moves =
          accounts
              .filter(
                  coalesce(col("p_tier"), lit("absent"))
                      .notEqual(coalesce(col("r_tier"), lit("absent"))))
              .groupBy(
                  coalesce(col("p_tier"), lit("absent")).as("from"),
                  coalesce(col("r_tier"), lit("absent")).as("to"))
              .agg(count(lit(1)).as("accounts"))
              .orderBy(col("from"), col("to"));
      return new Comparison(
          accounts.filter(newly).select(Cols.ACCOUNT_ID).distinct().count(),
          accounts.filter(gone).select(Cols.ACCOUNT_ID).distinct().count(),
          ids(accounts.filter(newly), Cols.ACCOUNT_ID, "r_score"),
          ids(accounts.filter(gone), Cols.ACCOUNT_ID, "p_score"),
          clusters.filter(newly).select(Cols.CLUSTER_ID).distinct().count(),
          clusters.filter(gone).select(Cols.CLUSTER_ID).distinct().count(),
          ids(clusters.filter(newly), Cols.CLUSTER_ID, "r_score"),
          ids(clusters.filter(gone), Cols.CLUSTER_ID, "p_score"),
          moves.collectAsList(),
          precision(accounts, "p_tier", latestDecisions),
          precision(accounts, "r_tier", latestDecisions));
    }
  }

  /**
   * Both sides' tier and score per run date and key; absent on one side is null there. Read by
   * several counts and lists: the caller caches it.
   */
  private static Dataset<Row> sideBySide(
      Dataset<Row> published, Dataset<Row> rescored, String key) {
    return side(published, key, "p")
        .join(
            side(rescored, key, "r"),
            scala.collection.JavaConverters.asScalaBuffer(List.of(Cols.RUN_DATE, key)).toSeq(),
            "full_outer");
  }

  private static Dataset<Row> side(Dataset<Row> rows, String key, String prefix) {
    return rows.select(
        col(Cols.RUN_DATE),
        col(key),
        col(Cols.RISK_TIER).as(prefix + "_tier"),
        col(Cols.RISK_SCORE).as(prefix + "_score"));
  }

  private static List<String> ids(Dataset<Row> rows, String key, String score) {
    List<String> ids = new ArrayList<>();
    for (Row r :
        rows.groupBy(col(key))
            .agg(org.apache.spark.sql.functions.max(score).as("_s"))
            .orderBy(col("_s").desc(), col(key))
            .limit(LISTED)
            .collectAsList()) {
      ids.add(r.getString(0));
    }
    return ids;
  }

  /** Accounts flagged on any night of the period, against their latest review decision. */
  static Precision precision(Dataset<Row> accounts, String tier, Dataset<Row> latestDecisions) {
    Dataset<Row> flaggedAccounts =
        accounts.filter(flagged(tier)).select(Cols.ACCOUNT_ID).distinct();
    if (latestDecisions == null) {
      return new Precision(flaggedAccounts.count(), 0, 0);
    }
    Row r =
        flaggedAccounts
            .join(
                latestDecisions.select(Cols.ACCOUNT_ID, Cols.DECISION),
                scala.collection.JavaConverters.asScalaBuffer(List.of(Cols.ACCOUNT_ID)).toSeq(),
                "left")
            .agg(
                countDistinct(col(Cols.ACCOUNT_ID)),
                count(col(Cols.DECISION)),
                count(when(col(Cols.DECISION).equalTo(Feedback.CONFIRMED), lit(1))))
            .first();
    return new Precision(r.getLong(0), r.getLong(1), r.getLong(2));
  }
}
