package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import java.sql.Date;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The score step's tables: cluster and account risk with their tiers and review feedback, how
 * firmly each member hangs on its cluster, and the evidence an analyst reads. No I/O; {@link
 * Detection} calls these on the earlier steps' results.
 */
final class RiskTables {
  private RiskTables() {}

  /** The lowest score of each tier above low. */
  record Tiers(double medium, double high, double critical) {
    Column of(Column score) {
      return Scoring.tier(score, medium, high, critical);
    }
  }

  /**
   * cluster_risk's rows: the model's cluster scores, raised for clusters whose members review
   * confirmed.
   *
   * @param clusterFeatures {@link Scoring#clusterFeatures} with each cluster's cluster_id
   * @param decided {@link Feedback#latestDecisions}, or null for none
   */
  static Dataset<Row> clusterRisk(
      Dataset<Row> clusterFeatures,
      Dataset<Row> named,
      Dataset<Row> decided,
      double confirmedBoost,
      RiskModel model,
      Tiers tiers,
      Date runDate) {
    Dataset<Row> scored = Scoring.scoreClusters(clusterFeatures, col(Cols.CLUSTER_ID), model);
    if (decided != null) {
      scored = Feedback.boostConfirmedClusters(scored, named, decided, confirmedBoost);
    }
    return stamped(scored, tiers, model, runDate);
  }

  /**
   * account_risk's rows: every account on its own inputs plus its cluster's, capped for accounts
   * review cleared.
   *
   * @param clusterOf {@link #clusterOf}
   * @param clearances {@link Feedback#clearances}, or null when there are no decisions
   */
  static Dataset<Row> accountRisk(
      Dataset<Row> accountFeatures,
      Dataset<Row> clusterOf,
      Dataset<Row> clusterRisk,
      Dataset<Row> clearances,
      double clearedCap,
      RiskModel model,
      Tiers tiers,
      Date runDate) {
    Dataset<Row> scored = Scoring.scoreAccounts(accountFeatures, clusterOf, clusterRisk, model);
    if (clearances != null) {
      scored = Feedback.capCleared(scored, clearances, clearedCap);
    }
    return stamped(scored, tiers, model, runDate)
        .withColumn(Cols.WORKING_HOURS_OFFSET, col(Features.BEST_OFFSET));
  }

  /** Tier, run date and model version, as both risk tables carry them. */
  private static Dataset<Row> stamped(
      Dataset<Row> scored, Tiers tiers, RiskModel model, Date runDate) {
    return scored
        .withColumn(Cols.RISK_TIER, tiers.of(col(Cols.RISK_SCORE)))
        .withColumn(Cols.RUN_DATE, lit(runDate))
        .withColumn(Cols.MODEL_VERSION, lit(model.version()));
  }

  /**
   * The clustered accounts as {@link Scoring#scoreAccounts} reads them: account_id, cluster_id,
   * {@link Scoring#ATTACHMENT} and the member traits.
   *
   * @param named clustered accounts with their component and cluster_id
   */
  static Dataset<Row> clusterOf(
      Dataset<Row> named,
      Dataset<Row> pairWeights,
      Dataset<Row> stars,
      Dataset<Row> members,
      Dataset<Row> accountFeatures,
      Dataset<Row> clusterFeatures,
      Dataset<Row> memberships,
      double minWeight) {
    return named
        .join(
            attachment(pairWeights, stars, members, minWeight),
            col(Cols.ACCOUNT_ID).equalTo(col("_att_account")),
            "left")
        .join(
            Scoring.memberTraits(members, accountFeatures, clusterFeatures, memberships),
            Cols.ACCOUNT_ID,
            "left")
        .select(
            col(Cols.ACCOUNT_ID),
            col(Cols.CLUSTER_ID),
            coalesce(col(Scoring.ATTACHMENT), lit(1.0)).as(Scoring.ATTACHMENT),
            col(Scoring.IN_BURST),
            col(Scoring.ON_SHIFT),
            col(Scoring.SHARES_DEVICE),
            col(Scoring.SHARES_PAYOUT));
  }

  /** link_evidence's rows: the links inside each cluster, and its star hubs' members. */
  static Dataset<Row> evidence(
      Dataset<Row> links, Dataset<Row> stars, Dataset<Row> named, double starWeight, Date runDate) {
    return clusterEvidence(links, named)
        .unionByName(starEvidence(stars, named, starWeight))
        .withColumn(Cols.RUN_DATE, lit(runDate));
  }

  /**
   * How firmly each member hangs on its cluster, in [0, 1]: the members it links to directly (links
   * above the threshold) against a quarter of the others; 1 for clusters of four or fewer and for
   * members of a star hub inside the cluster.
   */
  private static Dataset<Row> attachment(
      Dataset<Row> pairWeights, Dataset<Row> stars, Dataset<Row> members, double minWeight) {
    String comp = Clustering.COMPONENT;
    Dataset<Row> ma = members.select(col(Cols.ACCOUNT_ID).as("_ma"), col(comp).as("_ca"));
    Dataset<Row> mb = members.select(col(Cols.ACCOUNT_ID).as("_mb"), col(comp).as("_cb"));
    Dataset<Row> strong =
        pairWeights
            .filter(col(Cols.WEIGHT).geq(minWeight))
            .join(ma, col(Cols.ACCOUNT_A).equalTo(col("_ma")))
            .join(mb, col(Cols.ACCOUNT_B).equalTo(col("_mb")))
            .filter(col("_ca").equalTo(col("_cb")));
    Dataset<Row> degree =
        strong
            .select(col(Cols.ACCOUNT_A).as("_d"))
            .union(strong.select(col(Cols.ACCOUNT_B)))
            .groupBy(col("_d"))
            .agg(count(lit(1)).as("_degree"));
    Dataset<Row> sizes = members.groupBy(col(comp).as("_sc")).agg(count(lit(1)).as("_size"));
    Dataset<Row> starMembers = stars.select(col(Cols.ACCOUNT_ID).as("_star")).distinct();
    Column attach =
        when(col("_size").leq(4).or(col("_star").isNotNull()), lit(1.0))
            .otherwise(
                least(
                    lit(1.0),
                    coalesce(col("_degree"), lit(0L))
                        .divide(col("_size").minus(1).multiply(0.25))));
    return members
        .join(sizes, col(comp).equalTo(col("_sc")))
        .join(degree, col(Cols.ACCOUNT_ID).equalTo(col("_d")), "left")
        .join(starMembers, col(Cols.ACCOUNT_ID).equalTo(col("_star")), "left")
        .select(col(Cols.ACCOUNT_ID).as("_att_account"), attach.as(Scoring.ATTACHMENT));
  }

  /** Links whose two accounts ended in the same cluster: the evidence an analyst reads. */
  private static Dataset<Row> clusterEvidence(Dataset<Row> links, Dataset<Row> named) {
    Dataset<Row> a = named.select(col(Cols.ACCOUNT_ID).as("_ea"), col(Cols.CLUSTER_ID).as("_ca"));
    Dataset<Row> b = named.select(col(Cols.ACCOUNT_ID).as("_eb"), col(Cols.CLUSTER_ID).as("_cb"));
    return links
        .join(a, col(Cols.ACCOUNT_A).equalTo(col("_ea")))
        .join(b, col(Cols.ACCOUNT_B).equalTo(col("_eb")))
        .filter(col("_ca").equalTo(col("_cb")))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            col(Cols.LINK_TYPE),
            col(Cols.ATTRIBUTE),
            col(Cols.WEIGHT),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.EVENTS).cast("long").as(Cols.EVENTS),
            col("_ca").as(Cols.CLUSTER_ID));
  }

  /** Hub (star) links as evidence: each member of a star hub linked to the hub's first member. */
  private static Dataset<Row> starEvidence(
      Dataset<Row> stars, Dataset<Row> named, double starWeight) {
    Dataset<Row> inCluster = stars.join(named, Cols.ACCOUNT_ID);
    Dataset<Row> anchor =
        inCluster
            .groupBy(
                col(Cols.ATTR_TYPE).as("_t"),
                col(Cols.ATTR_VALUE).as("_v"),
                col(Cols.CLUSTER_ID).as("_c"))
            .agg(min(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_A));
    return inCluster
        .join(
            anchor,
            col(Cols.ATTR_TYPE)
                .equalTo(col("_t"))
                .and(col(Cols.ATTR_VALUE).equalTo(col("_v")))
                .and(col(Cols.CLUSTER_ID).equalTo(col("_c"))))
        .filter(col(Cols.ACCOUNT_ID).notEqual(col(Cols.ACCOUNT_A)))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_B),
            col(Cols.ATTR_TYPE).as(Cols.LINK_TYPE),
            col(Cols.ATTR_VALUE).as(Cols.ATTRIBUTE),
            lit(starWeight).as(Cols.WEIGHT),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.LOGINS).cast("long").as(Cols.EVENTS),
            col(Cols.CLUSTER_ID));
  }
}
