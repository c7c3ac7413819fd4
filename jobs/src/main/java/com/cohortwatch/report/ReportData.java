package com.cohortwatch.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.map_values;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unix_seconds;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.report.ClusterGraph.AccountNode;
import com.cohortwatch.report.ClusterGraph.AttributeNode;
import com.cohortwatch.report.ClusterGraph.Edge;
import com.cohortwatch.report.ReportModel.ClaimedZone;
import com.cohortwatch.report.ReportModel.ClusterView;
import com.cohortwatch.report.ReportModel.QuarantineCount;
import com.cohortwatch.report.ReportModel.Reason;
import com.cohortwatch.report.ReportModel.RunInfo;
import com.cohortwatch.report.ReportModel.ScoreDistribution;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.spark.Cached;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The report's numbers, queried from the warehouse as small aggregates: counts per bin, tier,
 * table, reason and hour, and the rows of the top N clusters only, each capped per cluster (at most
 * {@link HtmlReport#MAX_GRAPH_ACCOUNTS} accounts and {@link HtmlReport#MAX_GRAPH_ATTRIBUTES}
 * attributes, {@link #MAX_ZONES} timezones). Nothing proportional to a table's size reaches the
 * driver, so the same code runs against a cluster's warehouse.
 */
public final class ReportData {
  private ReportData() {}

  /** Claimed timezones listed per cluster (the most common). */
  public static final int MAX_ZONES = 6;

  /** The most clusters one report draws. */
  public static final int MAX_TOP = 100;

  static final int MAX_RUNS = 20;
  static final int MAX_QUARANTINE_ROWS = 200;

  private static final String HOUR = "_hour";
  private static final String DEGREE = "_degree";
  private static final String RANK = "_rank";
  private static final String TOTAL = "_total";
  private static final String BIN = "_bin";
  private static final String N = "_n";

  /**
   * The run date a report covers when none is given: the newest run_date with a succeeded run.
   *
   * @throws CohortWatchException when the warehouse has no run_metrics or no succeeded run
   */
  public static LocalDate defaultRunDate(Warehouse warehouse) {
    requireScores(warehouse);
    if (!warehouse.exists(TableNames.RUN_METRICS)) {
      throw new CohortWatchException(
          "no run_metrics in warehouse " + warehouse.root() + ": give --date");
    }
    Row newest =
        warehouse
            .read(TableNames.RUN_METRICS)
            .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
            .agg(max(Cols.RUN_DATE))
            .first();
    if (newest.isNullAt(0)) {
      throw new CohortWatchException(
          "no succeeded run in warehouse "
              + warehouse.root()
              + " (run_metrics): nothing to report");
    }
    return toLocalDate(newest.get(0));
  }

  private static void requireScores(Warehouse warehouse) {
    if (!warehouse.exists(TableNames.ACCOUNT_RISK)) {
      throw new CohortWatchException(
          "no scores in warehouse " + warehouse.root() + " (no account_risk table)");
    }
  }

  /**
   * Everything the report shows for {@code runDate}.
   *
   * @throws CohortWatchException when account_risk has no row for the date
   */
  public static ReportModel load(
      Warehouse warehouse, LocalDate runDate, int top, int lookbackDays) {
    requireScores(warehouse);
    Column onDate = col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(runDate)));
    ScoreDistribution scores = scores(warehouse.read(TableNames.ACCOUNT_RISK).filter(onDate));
    if (scores.total() == 0) {
      throw new CohortWatchException(
          "no scores for run_date "
              + runDate
              + " in warehouse "
              + warehouse.root()
              + newestScoredHint(warehouse));
    }
    List<RunInfo> runs =
        warehouse.exists(TableNames.RUN_METRICS)
            ? runs(warehouse.read(TableNames.RUN_METRICS).filter(onDate))
            : List.of();
    List<QuarantineCount> quarantine =
        warehouse.exists(TableNames.QUARANTINE)
            ? quarantine(warehouse.read(TableNames.QUARANTINE).filter(onDate))
            : List.of();
    long clustersScored = 0;
    List<ClusterView> clusters = List.of();
    if (warehouse.exists(TableNames.CLUSTER_RISK)) {
      Dataset<Row> clusterRisk = warehouse.read(TableNames.CLUSTER_RISK).filter(onDate);
      clustersScored = clusterRisk.count();
      clusters = topClusters(warehouse, clusterRisk, onDate, runDate, top, lookbackDays);
    }
    return new ReportModel(
        runDate,
        warehouse.root(),
        lookbackDays,
        runs,
        quarantine,
        scores,
        clustersScored,
        clusters);
  }

  private static String newestScoredHint(Warehouse warehouse) {
    Row newest = warehouse.read(TableNames.ACCOUNT_RISK).agg(max(Cols.RUN_DATE)).first();
    return newest.isNullAt(0)
        ? " (account_risk is empty)"
        : " (newest scored run_date: " + toLocalDate(newest.get(0)) + ")";
  }

  /** Accounts per score bin and tier: at most BINS x tiers rows. */
  static ScoreDistribution scores(Dataset<Row> accountRisk) {
    Column bin =
        least(
            lit(ScoreDistribution.BINS - 1),
            floor(col(Cols.RISK_SCORE).multiply(ScoreDistribution.BINS)).cast("int"));
    long[] bins = new long[ScoreDistribution.BINS];
    Map<String, Long> tiers = new LinkedHashMap<>();
    for (Row r :
        accountRisk
            .groupBy(bin.as(BIN), col(Cols.RISK_TIER))
            .agg(count(lit(1)).as(N))
            .orderBy(BIN, Cols.RISK_TIER)
            .collectAsList()) {
      int b = r.isNullAt(0) ? 0 : Math.max(0, r.getInt(0));
      long n = r.getLong(2);
      bins[b] += n;
      tiers.merge(r.isNullAt(1) ? "(none)" : r.getString(1), n, Long::sum);
    }
    return new ScoreDistribution(bins, tiers);
  }

  /** The run date's run_metrics rows, newest first (a rerun adds rows). */
  static List<RunInfo> runs(Dataset<Row> runMetrics) {
    List<RunInfo> out = new ArrayList<>();
    for (Row r :
        runMetrics
            .select(
                col(Schemas.RUN_ID),
                col(Schemas.COMMAND),
                col(Schemas.STATUS),
                col(Schemas.STARTED_AT),
                col(Schemas.FINISHED_AT),
                col(Schemas.MESSAGE),
                map_keys(col(Schemas.STAGE_SECONDS)),
                map_values(col(Schemas.STAGE_SECONDS)),
                map_keys(col(Schemas.ROWS_READ)),
                map_values(col(Schemas.ROWS_READ)),
                map_keys(col(Schemas.ROWS_QUARANTINED)),
                map_values(col(Schemas.ROWS_QUARANTINED)),
                map_keys(col(Schemas.ROWS_WRITTEN)),
                map_values(col(Schemas.ROWS_WRITTEN)),
                col(Schemas.DUPLICATES_DROPPED),
                col(Schemas.LATE_EVENTS))
            .orderBy(desc(Schemas.STARTED_AT), col(Schemas.FINISHED_AT).desc_nulls_last())
            .limit(MAX_RUNS)
            .collectAsList()) {
      out.add(
          new RunInfo(
              r.getString(0),
              r.getString(1),
              r.getString(2),
              toInstant(r.get(3)),
              toInstant(r.get(4)),
              r.getString(5),
              zip(r, 6),
              zip(r, 8),
              zip(r, 10),
              zip(r, 12),
              r.isNullAt(14) ? null : r.getLong(14),
              r.isNullAt(15) ? null : r.getLong(15)));
    }
    // A run is written twice (started, then its outcome): keep each run's final row only.
    Map<String, RunInfo> byId = new LinkedHashMap<>();
    for (RunInfo run : out) {
      RunInfo seen = byId.get(run.runId());
      if (seen == null || (seen.finishedAt() == null && run.finishedAt() != null)) {
        byId.put(run.runId(), run);
      }
    }
    return new ArrayList<>(byId.values());
  }

  /** A map column read as its key and value arrays, which keep the order it was written in. */
  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> zip(Row r, int keysAt) {
    Map<String, V> map = new LinkedHashMap<>();
    if (r.isNullAt(keysAt) || r.isNullAt(keysAt + 1)) {
      return map;
    }
    List<Object> keys = r.getList(keysAt);
    List<Object> values = r.getList(keysAt + 1);
    for (int i = 0; i < Math.min(keys.size(), values.size()); i++) {
      map.put(String.valueOf(keys.get(i)), (V) values.get(i));
    }
    return map;
  }

  static List<QuarantineCount> quarantine(Dataset<Row> quarantine) {
    List<QuarantineCount> out = new ArrayList<>();
    for (Row r :
        quarantine
            .groupBy(Cols.SOURCE_TABLE, Cols.REASON)
            .agg(count(lit(1)).as(N))
            .orderBy(col(Cols.SOURCE_TABLE), desc(N), col(Cols.REASON))
            .limit(MAX_QUARANTINE_ROWS)
            .collectAsList()) {
      out.add(new QuarantineCount(r.getString(0), r.getString(1), r.getLong(2)));
    }
    return out;
  }

  private static List<ClusterView> topClusters(
      Warehouse warehouse,
      Dataset<Row> clusterRisk,
      Column onDate,
      LocalDate runDate,
      int top,
      int lookbackDays) {
    List<Row> rows =
        clusterRisk
            .orderBy(desc(Cols.RISK_SCORE), desc(Cols.SIZE), col(Cols.CLUSTER_ID))
            .limit(top)
            .select(
                col(Cols.CLUSTER_ID),
                col(Cols.SIZE),
                col(Cols.RISK_SCORE),
                col(Cols.RISK_TIER),
                col(Cols.REASONS),
                col(Cols.SHARED_IPS),
                col(Cols.SHARED_DEVICES),
                col(Cols.SHARED_PAYOUT_METHODS),
                col(Cols.CLAIMED_COUNTRIES),
                col(Cols.WORKING_HOURS_OFFSET),
                col(Cols.WORKING_HOURS_TIMEZONE),
                col(Cols.WORKING_HOURS_FIT))
            .collectAsList();
    if (rows.isEmpty()) {
      return List.of();
    }
    List<String> ids = rows.stream().map(r -> r.getString(0)).toList();
    Column inTop = col(Cols.CLUSTER_ID).isin(ids.toArray());
    Dataset<Row> members =
        warehouse.exists(TableNames.CLUSTER_MEMBERS)
            ? warehouse
                .read(TableNames.CLUSTER_MEMBERS)
                .filter(onDate.and(inTop))
                .select(Cols.CLUSTER_ID, Cols.ACCOUNT_ID)
            : null;
    Map<String, ClusterGraph> graphs =
        warehouse.exists(TableNames.LINK_EVIDENCE)
            ? graphs(
                warehouse.read(TableNames.LINK_EVIDENCE).filter(onDate.and(inTop)),
                warehouse.read(TableNames.ACCOUNT_RISK).filter(onDate))
            : Map.of();
    Map<String, long[]> hours =
        members != null && warehouse.exists(InputTable.LOGINS.folder())
            ? loginHours(
                warehouse
                    .read(InputTable.LOGINS.folder())
                    .filter(
                        col(Cols.EVENT_DATE)
                            .between(
                                Date.valueOf(runDate.minusDays(lookbackDays - 1L)),
                                Date.valueOf(runDate))),
                members)
            : Map.of();
    Map<String, List<ClaimedZone>> zones = new HashMap<>();
    Map<String, Long> zonesTotal = new HashMap<>();
    if (members != null && warehouse.exists(InputTable.ACCOUNTS.folder())) {
      claimedZones(warehouse.read(InputTable.ACCOUNTS.folder()), members, zones, zonesTotal);
    }
    List<ClusterView> out = new ArrayList<>();
    for (Row r : rows) {
      String id = r.getString(0);
      long size = r.getLong(1);
      ClusterGraph graph = graphs.get(id);
      graph =
          graph == null
              ? ClusterGraph.empty(size)
              : new ClusterGraph(
                  graph.accounts(),
                  graph.attributes(),
                  graph.edges(),
                  size,
                  graph.totalAttributes());
      out.add(
          new ClusterView(
              id,
              size,
              r.getDouble(2),
              r.getString(3),
              reasons(r, 4),
              r.isNullAt(5) ? null : r.getLong(5),
              r.isNullAt(6) ? null : r.getLong(6),
              r.isNullAt(7) ? null : r.getLong(7),
              r.isNullAt(8) ? List.of() : r.<String>getList(8),
              r.isNullAt(9) ? null : r.getInt(9),
              r.isNullAt(10) ? null : r.getString(10),
              r.isNullAt(11) ? null : r.getDouble(11),
              graph,
              hours.getOrDefault(id, new long[24]),
              zones.getOrDefault(id, List.of()),
              zonesTotal.getOrDefault(id, 0L)));
    }
    return out;
  }

  private static List<Reason> reasons(Row r, int at) {
    if (r.isNullAt(at)) {
      return List.of();
    }
    List<Reason> out = new ArrayList<>();
    for (Row reason : r.<Row>getList(at)) {
      out.add(
          new Reason(
              reason.getAs(Cols.CODE),
              reason.getAs(Cols.TEXT),
              reason.isNullAt(reason.fieldIndex(Cols.WEIGHT)) ? null : reason.getAs(Cols.WEIGHT)));
    }
    return out;
  }

  /**
   * Each top cluster's evidence graph: the account-attribute edges of its link_evidence, keeping
   * the most connected accounts and attributes per cluster (ranked in Spark, so at most caps-many
   * rows per cluster are collected) and the edges between them.
   */
  static Map<String, ClusterGraph> graphs(Dataset<Row> evidence, Dataset<Row> accountRisk) {
    try (Cached cached = new Cached()) {
      Dataset<Row> edges =
          cached.of(
              evidence
                  .select(
                      col(Cols.CLUSTER_ID),
                      col(Cols.ACCOUNT_A).as(Cols.ACCOUNT_ID),
                      col(Cols.LINK_TYPE),
                      col(Cols.ATTRIBUTE))
                  .union(
                      evidence.select(
                          col(Cols.CLUSTER_ID),
                          col(Cols.ACCOUNT_B).as(Cols.ACCOUNT_ID),
                          col(Cols.LINK_TYPE),
                          col(Cols.ATTRIBUTE)))
                  .distinct());
      WindowSpec perCluster = Window.partitionBy(Cols.CLUSTER_ID);
      Dataset<Row> attributes =
          cached.of(
              edges
                  .groupBy(Cols.CLUSTER_ID, Cols.LINK_TYPE, Cols.ATTRIBUTE)
                  .agg(count(lit(1)).as(DEGREE))
                  .withColumn(
                      RANK,
                      row_number()
                          .over(
                              perCluster.orderBy(
                                  desc(DEGREE),
                                  col(Cols.LINK_TYPE).asc_nulls_last(),
                                  col(Cols.ATTRIBUTE).asc_nulls_last())))
                  .withColumn(TOTAL, count(lit(1)).over(perCluster))
                  .filter(col(RANK).leq(HtmlReport.MAX_GRAPH_ATTRIBUTES)));
      Dataset<Row> accounts =
          cached.of(
              edges
                  .groupBy(Cols.CLUSTER_ID, Cols.ACCOUNT_ID)
                  .agg(count(lit(1)).as(DEGREE))
                  .withColumn(
                      RANK,
                      row_number().over(perCluster.orderBy(desc(DEGREE), col(Cols.ACCOUNT_ID))))
                  .filter(col(RANK).leq(HtmlReport.MAX_GRAPH_ACCOUNTS)));
      Map<String, List<AttributeNode>> attributeNodes = new HashMap<>();
      Map<String, Long> attributeTotals = new HashMap<>();
      for (Row r :
          attributes
              .select(Cols.CLUSTER_ID, Cols.LINK_TYPE, Cols.ATTRIBUTE, DEGREE, TOTAL)
              .collectAsList()) {
        attributeNodes
            .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
            .add(new AttributeNode(r.getString(1), r.getString(2), r.getLong(3)));
        attributeTotals.put(r.getString(0), r.getLong(4));
      }
      Dataset<Row> risk =
          accountRisk.select(
              col(Cols.ACCOUNT_ID).as("_risk_account"), col(Cols.RISK_TIER), col(Cols.RISK_SCORE));
      Map<String, List<AccountNode>> accountNodes = new HashMap<>();
      for (Row r :
          accounts
              .join(risk, col(Cols.ACCOUNT_ID).equalTo(col("_risk_account")), "left")
              .select(
                  col(Cols.CLUSTER_ID),
                  col(Cols.ACCOUNT_ID),
                  col(DEGREE),
                  col(Cols.RISK_TIER),
                  col(Cols.RISK_SCORE))
              .collectAsList()) {
        accountNodes
            .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
            .add(
                new AccountNode(
                    r.getString(1),
                    r.getLong(2),
                    r.getString(3),
                    r.isNullAt(4) ? null : r.getDouble(4)));
      }
      Dataset<Row> keptAttributes =
          attributes.select(
              col(Cols.CLUSTER_ID).as("_ac"),
              col(Cols.LINK_TYPE).as("_at"),
              col(Cols.ATTRIBUTE).as("_av"));
      Dataset<Row> keptAccounts =
          accounts.select(col(Cols.CLUSTER_ID).as("_cc"), col(Cols.ACCOUNT_ID).as("_ca"));
      Map<String, List<Edge>> edgeLists = new HashMap<>();
      for (Row r :
          edges
              .join(
                  keptAttributes,
                  col(Cols.CLUSTER_ID)
                      .equalTo(col("_ac"))
                      .and(col(Cols.LINK_TYPE).eqNullSafe(col("_at")))
                      .and(col(Cols.ATTRIBUTE).eqNullSafe(col("_av"))))
              .join(
                  keptAccounts,
                  col(Cols.CLUSTER_ID)
                      .equalTo(col("_cc"))
                      .and(col(Cols.ACCOUNT_ID).equalTo(col("_ca"))))
              .select(Cols.CLUSTER_ID, Cols.ACCOUNT_ID, Cols.LINK_TYPE, Cols.ATTRIBUTE)
              .collectAsList()) {
        edgeLists
            .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
            .add(new Edge(r.getString(1), r.getString(2), r.getString(3)));
      }
      Map<String, ClusterGraph> out = new HashMap<>();
      for (Map.Entry<String, List<AttributeNode>> e : attributeNodes.entrySet()) {
        String id = e.getKey();
        List<AccountNode> accs = accountNodes.getOrDefault(id, List.of());
        out.put(
            id,
            new ClusterGraph(
                accs,
                e.getValue(),
                edgeLists.getOrDefault(id, List.of()),
                accs.size(),
                attributeTotals.getOrDefault(id, 0L)));
      }
      return out;
    }
  }

  /**
   * Logins of the top clusters' members per cluster and UTC hour of day: at most 24 per cluster.
   */
  static Map<String, long[]> loginHours(Dataset<Row> logins, Dataset<Row> members) {
    // Hours from epoch seconds, so the session's time zone cannot shift them.
    Column utcHour = pmod(floor(unix_seconds(col(Cols.EVENT_TIME)).divide(3600)), lit(24));
    Map<String, long[]> out = new HashMap<>();
    for (Row r :
        logins
            .select(col(Cols.ACCOUNT_ID), utcHour.cast("int").as(HOUR))
            .join(members, Cols.ACCOUNT_ID)
            .groupBy(Cols.CLUSTER_ID, HOUR)
            .agg(count(lit(1)).as(N))
            .collectAsList()) {
      out.computeIfAbsent(r.getString(0), k -> new long[24])[r.getInt(1)] += r.getLong(2);
    }
    return out;
  }

  /** The most common claimed timezones of each top cluster's members, and how many there are. */
  static void claimedZones(
      Dataset<Row> accounts,
      Dataset<Row> members,
      Map<String, List<ClaimedZone>> zones,
      Map<String, Long> totals) {
    Dataset<Row> claimed =
        accounts.select(col(Cols.ACCOUNT_ID).as("_za"), col(Cols.CLAIMED_TIMEZONE));
    WindowSpec perCluster = Window.partitionBy(Cols.CLUSTER_ID);
    for (Row r :
        members
            .join(claimed, col(Cols.ACCOUNT_ID).equalTo(col("_za")), "left")
            .groupBy(Cols.CLUSTER_ID, Cols.CLAIMED_TIMEZONE)
            .agg(countDistinct(Cols.ACCOUNT_ID).as(N))
            .withColumn(
                RANK,
                row_number()
                    .over(perCluster.orderBy(desc(N), col(Cols.CLAIMED_TIMEZONE).asc_nulls_last())))
            .withColumn(TOTAL, count(lit(1)).over(perCluster))
            .filter(col(RANK).leq(MAX_ZONES))
            .orderBy(Cols.CLUSTER_ID, RANK)
            .select(Cols.CLUSTER_ID, Cols.CLAIMED_TIMEZONE, N, TOTAL)
            .collectAsList()) {
      zones
          .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(new ClaimedZone(r.getString(1), r.getLong(2)));
      totals.put(r.getString(0), r.getLong(3));
    }
  }

  static LocalDate toLocalDate(Object value) {
    return value instanceof LocalDate d ? d : ((Date) value).toLocalDate();
  }

  static Instant toInstant(Object value) {
    if (value == null) {
      return null;
    }
    return value instanceof Instant i ? i : ((Timestamp) value).toInstant();
  }
}
