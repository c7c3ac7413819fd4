package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Clustering;
import com.cohortwatch.detect.Enrichment;
import com.cohortwatch.detect.Features;
import com.cohortwatch.detect.Links;
import com.cohortwatch.detect.Pseudonymizer;
import com.cohortwatch.detect.Rollups;
import com.cohortwatch.detect.Scoring;
import com.cohortwatch.detect.StableIds;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/** Rollups, links, clusters, scores, and the publish of the gold tables for one run date. */
public final class DetectStage {
  private DetectStage() {}

  /** Recomputes the daily rollups of every event date touched by the days just ingested. */
  public static void updateRollups(
      SparkSession spark, RunConfig config, Warehouse warehouse, List<LocalDate> landedDays) {
    warehouse.ensure(TableNames.ATTRIBUTE_DAILY, Schemas.ATTRIBUTE_DAILY, Cols.EVENT_DATE);
    warehouse.ensure(TableNames.IP_SLOTS, Schemas.IP_SLOTS, Cols.EVENT_DATE);
    if (landedDays.isEmpty() || !warehouse.exists(InputTable.LOGINS.folder())) {
      return;
    }
    String landed = inList(Cols.LANDED_DATE, landedDays);
    List<LocalDate> eventDates = new ArrayList<>();
    for (Row r :
        warehouse
            .read(InputTable.LOGINS.folder())
            .filter(landed)
            .select(Cols.EVENT_DATE)
            .distinct()
            .collectAsList()) {
      eventDates.add(r.getDate(0).toLocalDate());
    }
    if (eventDates.isEmpty()) {
      return;
    }
    String affected = inList(Cols.EVENT_DATE, eventDates);
    Dataset<Row> logins = warehouse.read(InputTable.LOGINS.folder()).filter(affected);
    Settings s = config.settings();
    warehouse.replaceWhere(
        TableNames.ATTRIBUTE_DAILY,
        Schemas.ATTRIBUTE_DAILY,
        Rollups.attributeDaily(
            logins, s.getInt(Settings.IPV4_PREFIX), s.getInt(Settings.IPV6_PREFIX)),
        affected);
    warehouse.replaceWhere(
        TableNames.IP_SLOTS,
        Schemas.IP_SLOTS,
        Rollups.ipSlots(logins, s.getInt(Settings.CO_LOGIN_WINDOW_MINUTES)),
        affected);
  }

  static String inList(String column, List<LocalDate> dates) {
    return dates.stream()
        .map(d -> "'" + d + "'")
        .collect(Collectors.joining(", ", column + " IN (", ")"));
  }

  /** The scoring and publishing of one run date from the rollups in its window. */
  public static void scoreAndPublish(
      SparkSession spark, RunConfig config, Warehouse warehouse, RunMetrics metrics) {
    Settings s = config.settings();
    Date runDate = Date.valueOf(config.runDate());
    Date start = Date.valueOf(config.windowStart());
    String hmacKey = Pseudonymizer.resolveKey(s.get(Settings.HMAC_KEY), config.sampleRun());

    Dataset<Row> window =
        warehouse
            .read(TableNames.ATTRIBUTE_DAILY)
            .filter(col(Cols.EVENT_DATE).between(start, runDate))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> slots =
        warehouse.read(TableNames.IP_SLOTS).filter(col(Cols.EVENT_DATE).between(start, runDate));
    Dataset<Row> ipDaily = window.filter(col(Cols.ATTR_TYPE).equalTo(Rollups.IP));
    Dataset<Row> active = ipDaily.select(Cols.ACCOUNT_ID).distinct();

    Dataset<Row> intel =
        warehouse.exists(InputTable.IP_INTEL.folder())
            ? warehouse.read(InputTable.IP_INTEL.folder())
            : null;
    Dataset<Row> ipInfo =
        metrics.stage(
            spark,
            "enrich",
            () ->
                Enrichment.ipInfo(
                        ipDaily.select(col(Cols.ATTR_VALUE).as(Cols.IP)).distinct(), intel)
                    .persist(StorageLevel.MEMORY_AND_DISK()));

    Dataset<Row> payouts =
        warehouse.exists(InputTable.PAYOUT_METHODS.folder())
            ? warehouse
                .read(InputTable.PAYOUT_METHODS.folder())
                .join(active, Cols.ACCOUNT_ID)
                .withColumn(
                    Cols.PAYOUT_METHOD_ID,
                    Pseudonymizer.udfFor(hmacKey).apply(col(Cols.PAYOUT_METHOD_ID)))
                .select(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID, Cols.ADDED_AT)
            : spark
                .createDataFrame(List.of(), Schemas.BRONZE_PAYOUT_METHODS)
                .select(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID, Cols.ADDED_AT);
    Dataset<Row> accounts = warehouse.read(InputTable.ACCOUNTS.folder());

    Links.Params linkParams =
        new Links.Params(
            s.getInt(Settings.PAIR_CAP),
            s.getInt(Settings.STAR_MAX),
            s.getInt(Settings.CO_LOGIN_MIN_DAYS),
            s.getDouble(Settings.MIN_LINK_WEIGHT),
            s.getDouble(Settings.STAR_WEIGHT));
    Dataset<Row> memberships =
        Links.memberships(window, payouts, ipInfo).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> activeDays =
        memberships
            .filter(col(Cols.ATTR_TYPE).equalTo(Rollups.IP))
            .groupBy(Cols.ACCOUNT_ID)
            .agg(max(Links.ACTIVE_DAYS).as(Links.ACTIVE_DAYS));
    Dataset<Row> links =
        metrics.stage(
            spark,
            "link",
            () -> {
              Dataset<Row> l =
                  Links.attributePairs(memberships, linkParams)
                      .unionByName(Links.coLoginPairs(slots, activeDays, ipInfo, linkParams))
                      .persist(StorageLevel.MEMORY_AND_DISK());
              return l;
            });
    Dataset<Row> pairWeights = Links.pairWeights(links);
    Dataset<Row> stars = Links.starHubs(memberships, linkParams);

    Clustering.Params clusterParams =
        new Clustering.Params(
            s.getDouble(Settings.MIN_LINK_WEIGHT),
            s.getDouble(Settings.SPLIT_LINK_WEIGHT),
            s.getInt(Settings.MAX_CLUSTER_SIZE),
            5);
    Dataset<Row> members =
        metrics.stage(
            spark,
            "cluster",
            () ->
                Clustering.cluster(
                        spark, pairWeights, stars, linkParams.starWeight(), clusterParams)
                    .persist(StorageLevel.MEMORY_AND_DISK()));

    Dataset<Row> previous = previousMembers(spark, warehouse, config.runDate());
    Dataset<Row> ids = StableIds.assign(members, previous);
    Dataset<Row> named = members.join(ids, Clustering.COMPONENT);

    Dataset<Row> accountFeatures =
        Features.accountFeatures(ipDaily, ipInfo, accounts, memberships, config.runDate())
            .persist(StorageLevel.MEMORY_AND_DISK());
    double medium = s.getDouble(Settings.TIER_MEDIUM);
    double high = s.getDouble(Settings.TIER_HIGH);
    double critical = s.getDouble(Settings.TIER_CRITICAL);

    Dataset<Row> clusterScores =
        Scoring.scoreClusters(
                Scoring.clusterFeatures(members, accountFeatures, memberships, links)
                    .join(ids, Clustering.COMPONENT),
                col(Cols.CLUSTER_ID))
            .withColumn(Cols.RISK_TIER, Scoring.tier(col(Cols.RISK_SCORE), medium, high, critical))
            .withColumn(Cols.RUN_DATE, lit(runDate))
            .withColumn(Cols.MODEL_VERSION, lit(Scoring.MODEL_VERSION))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> clusterOf =
        named
            .join(
                clusterScores.select(
                    col(Cols.CLUSTER_ID).as("_cid"),
                    col(Scoring.LOGIT).as("_cluster_logit"),
                    col(Cols.REASONS).as("_cluster_reasons")),
                col(Cols.CLUSTER_ID).equalTo(col("_cid")))
            .select(
                col(Cols.ACCOUNT_ID).as("_member"),
                col(Cols.CLUSTER_ID),
                col("_cluster_logit"),
                col("_cluster_reasons"));
    Dataset<Row> accountScores =
        Scoring.scoreAccounts(accountFeatures, clusterOf)
            .withColumn(Cols.RISK_TIER, Scoring.tier(col(Cols.RISK_SCORE), medium, high, critical))
            .withColumn(Cols.RUN_DATE, lit(runDate))
            .withColumn(Cols.MODEL_VERSION, lit(Scoring.MODEL_VERSION))
            .withColumn("working_hours_offset", col(Features.BEST_OFFSET));

    Dataset<Row> namedA =
        named.select(col(Cols.ACCOUNT_ID).as("_ea"), col(Cols.CLUSTER_ID).as("_ca"));
    Dataset<Row> namedB =
        named.select(col(Cols.ACCOUNT_ID).as("_eb"), col(Cols.CLUSTER_ID).as("_cb"));
    Dataset<Row> evidence =
        links
            .join(namedA, col(Cols.ACCOUNT_A).equalTo(col("_ea")))
            .join(namedB, col(Cols.ACCOUNT_B).equalTo(col("_eb")))
            .filter(col("_ca").equalTo(col("_cb")))
            .withColumn(Cols.CLUSTER_ID, col("_ca"))
            .withColumn(Cols.RUN_DATE, lit(runDate));
    Dataset<Row> starEvidence = starEvidence(stars, named, runDate, linkParams.starWeight());

    // Publish order: evidence and members first, account_risk (what moderation reads) last; each
    // is one atomic Delta commit replacing this run date's rows.
    metrics.stage(
        spark,
        "publish",
        () -> {
          String thisRun = Cols.RUN_DATE + " = '" + config.runDate() + "'";
          publish(
              warehouse,
              metrics,
              TableNames.LINK_EVIDENCE,
              Schemas.LINK_EVIDENCE,
              evidence.unionByName(starEvidence, true),
              thisRun);
          publish(
              warehouse,
              metrics,
              TableNames.CLUSTER_MEMBERS,
              Schemas.CLUSTER_MEMBERS,
              named.withColumn(Cols.RUN_DATE, lit(runDate)),
              thisRun);
          publish(
              warehouse,
              metrics,
              TableNames.CLUSTER_RISK,
              Schemas.CLUSTER_RISK,
              clusterScores,
              thisRun);
          publish(
              warehouse,
              metrics,
              TableNames.ACCOUNT_RISK,
              Schemas.ACCOUNT_RISK,
              accountScores,
              thisRun);
        });
    window.unpersist();
    ipInfo.unpersist();
    memberships.unpersist();
    links.unpersist();
    members.unpersist();
    accountFeatures.unpersist();
    clusterScores.unpersist();
  }

  /** Hub (star) links as evidence: each member of a star hub linked to the hub's first member. */
  static Dataset<Row> starEvidence(
      Dataset<Row> stars, Dataset<Row> named, Date runDate, double starWeight) {
    Dataset<Row> inCluster = stars.join(named, Cols.ACCOUNT_ID);
    Dataset<Row> anchor =
        inCluster
            .groupBy(
                col(Cols.ATTR_TYPE).as("_t"),
                col(Cols.ATTR_VALUE).as("_v"),
                col(Cols.CLUSTER_ID).as("_c"))
            .agg(org.apache.spark.sql.functions.min(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_A));
    return inCluster
        .join(
            anchor,
            col(Cols.ATTR_TYPE)
                .equalTo(col("_t"))
                .and(col(Cols.ATTR_VALUE).equalTo(col("_v")))
                .and(col(Cols.CLUSTER_ID).equalTo(col("_c"))))
        .filter(col(Cols.ACCOUNT_ID).notEqual(col(Cols.ACCOUNT_A)))
        .select(
            lit(runDate).as(Cols.RUN_DATE),
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_B),
            col(Cols.ATTR_TYPE).as(Cols.LINK_TYPE),
            col(Cols.ATTR_VALUE).as(Cols.ATTRIBUTE),
            lit(starWeight).as(Cols.WEIGHT),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.LOGINS).as(Cols.EVENTS),
            col(Cols.CLUSTER_ID));
  }

  private static void publish(
      Warehouse warehouse,
      RunMetrics metrics,
      String table,
      org.apache.spark.sql.types.StructType schema,
      Dataset<Row> rows,
      String predicate) {
    warehouse.ensure(table, schema, Cols.RUN_DATE);
    warehouse.replaceWhere(table, schema, rows, predicate);
    metrics.recordWritten(table, warehouse.lastCommitOutputRows(table));
    metrics.recordPublished(table);
  }

  /** cluster_members of the newest run before this date (empty on the first night). */
  static Dataset<Row> previousMembers(SparkSession spark, Warehouse warehouse, LocalDate runDate) {
    if (!warehouse.exists(TableNames.CLUSTER_MEMBERS)) {
      return spark.createDataFrame(List.of(), Schemas.CLUSTER_MEMBERS);
    }
    Dataset<Row> all = warehouse.read(TableNames.CLUSTER_MEMBERS);
    Row newest =
        all.filter(col(Cols.RUN_DATE).lt(lit(Date.valueOf(runDate))))
            .agg(max(Cols.RUN_DATE))
            .first();
    if (newest.isNullAt(0)) {
      return all.limit(0);
    }
    return all.filter(col(Cols.RUN_DATE).equalTo(lit(newest.getDate(0))));
  }
}
