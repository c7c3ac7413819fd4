package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.cohortwatch.config.Settings;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.UsageType;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The detection pipeline without I/O: rollups of the window in, links, clusters and scores out. The
 * orchestrator reads the inputs from the warehouse and publishes the outputs; tests call this
 * directly on small in-memory Datasets.
 */
public final class Detection {
  private Detection() {}

  /**
   * What detection reads.
   *
   * @param coLoginMeetings the window's {@link Links#dailyMeetings}
   * @param decisions bronze moderation decisions, or null for none (scores are then exactly the
   *     model's)
   * @param windowStart first day of the scoring window (for what counts as new evidence after a
   *     decision), or null
   * @param model the risk model to score with
   */
  public record Input(
      Dataset<Row> attributeDaily,
      Dataset<Row> coLoginMeetings,
      Dataset<Row> ipIntel,
      Dataset<Row> payouts,
      Dataset<Row> accounts,
      Dataset<Row> previousMembers,
      LocalDate runDate,
      Settings settings,
      Dataset<Row> decisions,
      LocalDate windowStart,
      RiskModel model) {

    /** Without moderation decisions, with the embedded model. */
    public Input(
        Dataset<Row> attributeDaily,
        Dataset<Row> coLoginMeetings,
        Dataset<Row> ipIntel,
        Dataset<Row> payouts,
        Dataset<Row> accounts,
        Dataset<Row> previousMembers,
        LocalDate runDate,
        Settings settings) {
      this(
          attributeDaily,
          coLoginMeetings,
          ipIntel,
          payouts,
          accounts,
          previousMembers,
          runDate,
          settings,
          null,
          null,
          RiskModel.resource(RiskModel.EMBEDDED));
    }
  }

  /** What detection produces, each already in its gold table's shape (less the schema cast). */
  public record Output(
      Dataset<Row> linkEvidence,
      Dataset<Row> clusterMembers,
      Dataset<Row> clusterRisk,
      Dataset<Row> accountRisk,
      List<Dataset<Row>> cached) {
    public void release() {
      cached.forEach(Dataset::unpersist);
    }
  }

  /** Labels a step for the Spark UI and stage timings; tests pass {@link #UNTIMED}. */
  public interface Stages {
    <T> T stage(String name, Supplier<T> body);
  }

  public static final Stages UNTIMED =
      new Stages() {
        @Override
        public <T> T stage(String name, Supplier<T> body) {
          return body.get();
        }
      };

  /** account_id, attr_value, event_date of the window's days on a mobile address. */
  static Dataset<Row> mobileDays(Dataset<Row> ipDaily, Dataset<Row> ipInfo) {
    Dataset<Row> mobile =
        ipInfo
            .filter(col(Cols.USAGE_TYPE).equalTo(UsageType.MOBILE.value()))
            .select(col(Cols.IP).as(Cols.ATTR_VALUE));
    return ipDaily
        .select(Cols.ACCOUNT_ID, Cols.ATTR_VALUE, Cols.EVENT_DATE)
        .join(mobile, Cols.ATTR_VALUE);
  }

  public static Output run(SparkSession spark, Input in, Stages stages) {
    Settings s = in.settings();
    Date runDate = Date.valueOf(in.runDate());
    List<Dataset<Row>> cached = new ArrayList<>();
    // The window is not materialised: its rows carry 24-hour profiles that only the account
    // features read, and at 1M accounts (90M rows) a checkpoint of it spilled gigabytes to disk.
    // Each step below scans the Delta table with only the columns it needs.
    Dataset<Row> window = in.attributeDaily();
    Dataset<Row> ipDaily = window.filter(col(Cols.ATTR_TYPE).equalTo(Rollups.IP));
    // Every step runs inside a named stage, so its Spark jobs carry that stage's job group and its
    // time counts in that stage's seconds (about 160 s of task time at 1M accounts ran in none).
    record Enriched(Dataset<Row> activeDays, Dataset<Row> ipInfo) {}
    Enriched enriched =
        stages.stage(
            "enrich",
            () -> {
              // Read by the payouts (only active accounts' count), the attribute pairs (a guest's
              // share of its days) and the co-login meetings: one scan of the window for all three.
              Dataset<Row> active = cache(activeDays(ipDaily), cached);
              // Read twice by the lookup (the addresses matched, and all of them): one scan of the
              // window instead of two.
              Dataset<Row> ips =
                  cache(ipDaily.select(col(Cols.ATTR_VALUE).as(Cols.IP)).distinct(), cached);
              return new Enriched(active, cache(Enrichment.ipInfo(ips, in.ipIntel()), cached));
            });
    Dataset<Row> activeDays = enriched.activeDays();
    Dataset<Row> labelled = enriched.ipInfo();
    Dataset<Row> payouts = in.payouts().join(activeDays.select(Cols.ACCOUNT_ID), Cols.ACCOUNT_ID);

    Links.Params linkParams = Links.Params.from(s);
    Dataset<Row> asLabelled =
        stages.stage(
            "memberships", () -> cache(Links.memberships(window, payouts, labelled), cached));
    // Exits the intelligence missed are treated as the VPN exits they are, by every later step.
    record Relabelled(Dataset<Row> ipInfo, Dataset<Row> memberships, Dataset<Row> handovers) {}
    Relabelled relabelled =
        stages.stage(
            "exits",
            () -> {
              Dataset<Row> exits =
                  cache(
                      Exits.inferred(
                          asLabelled,
                          labelled,
                          in.accounts(),
                          s.getInt(Settings.IPV4_PREFIX),
                          s.getInt(Settings.IPV6_PREFIX),
                          rows -> cache(rows, cached)),
                      cached);
              Dataset<Row> relabelledMemberships = Exits.relabelMemberships(asLabelled, exits);
              return new Relabelled(
                  cache(Exits.relabel(labelled, exits), cached),
                  relabelledMemberships,
                  // Read by the handover batches and by the account features.
                  cache(Features.handovers(relabelledMemberships), cached));
            });
    Dataset<Row> ipInfo = relabelled.ipInfo();
    Dataset<Row> memberships = relabelled.memberships();
    Dataset<Row> handovers = relabelled.handovers();
    Dataset<Row> links =
        stages.stage(
            "link",
            () -> {
              // Read four times: as links, for the exit twins, the cohort and the handover pairs.
              Dataset<Row> shared =
                  cache(Links.attributePairs(memberships, activeDays, linkParams), cached);
              Dataset<Row> twins = Links.exitTwins(shared, memberships, ipInfo, linkParams);
              return cache(
                  shared
                      .unionByName(Links.cohortPairs(shared, in.accounts(), twins, linkParams))
                      .unionByName(Links.handoverPairs(shared, handovers, ipInfo, linkParams))
                      .unionByName(
                          Links.coLoginPairs(in.coLoginMeetings(), activeDays, ipInfo, linkParams)),
                  cached);
            });
    Clustering.Params clusterParams =
        new Clustering.Params(
            s.getDouble(Settings.MIN_LINK_WEIGHT),
            s.getInt(Settings.MAX_CLUSTER_SIZE),
            s.getInt(Settings.COMMUNITY_MIN_SIZE),
            s.getDouble(Settings.COMMUNITY_RESOLUTION));
    record Clustered(
        Dataset<Row> pairWeights,
        Dataset<Row> stars,
        Dataset<Row> members,
        Dataset<Row> ids,
        Dataset<Row> named) {}
    Clustered clustered =
        stages.stage(
            "cluster",
            () -> {
              Dataset<Row> weights = cache(Links.pairWeights(links), cached);
              // Several joins deep and read four times (graph edges, graph vertices, attachment,
              // evidence).
              Dataset<Row> hubs =
                  cache(
                      Links.starHubs(memberships, ipInfo, in.accounts(), linkParams)
                          .unionByName(
                              Links.cohortStars(memberships, ipInfo, in.accounts(), linkParams)),
                      cached);
              Dataset<Row> components =
                  cache(
                      Clustering.cluster(
                          spark, weights, hubs, linkParams.starWeight(), clusterParams),
                      cached);
              Dataset<Row> stable =
                  StableIds.assign(components, in.previousMembers(), in.runDate());
              return new Clustered(
                  weights,
                  hubs,
                  components,
                  stable,
                  cache(components.join(stable, Clustering.COMPONENT), cached));
            });
    Dataset<Row> pairWeights = clustered.pairWeights();
    Dataset<Row> stars = clustered.stars();
    Dataset<Row> members = clustered.members();
    Dataset<Row> ids = clustered.ids();
    Dataset<Row> named = clustered.named();

    return stages.stage(
        "score",
        () -> {
          // Read by both halves of the account features: one scan of the window for the two.
          Span days = featureDays(in, ipDaily);
          Dataset<Row> perAddress =
              cache(Features.perAddress(ipDaily, handovers, days.first(), days.last()), cached);
          Dataset<Row> accountFeatures =
              cache(
                  Features.accountFeatures(
                      perAddress, ipInfo, in.accounts(), memberships, in.runDate()),
                  cached);
          double medium = s.getDouble(Settings.TIER_MEDIUM);
          double high = s.getDouble(Settings.TIER_HIGH);
          double critical = s.getDouble(Settings.TIER_CRITICAL);
          // Review decisions (null when there are none: the scores are then the model's alone).
          Dataset<Row> decided =
              in.decisions() == null
                  ? null
                  : cache(Feedback.latestDecisions(in.decisions(), in.runDate()), cached);
          Dataset<Row> clusterFeatures =
              cache(
                  Scoring.clusterFeatures(
                      members, accountFeatures, memberships, links, mobileDays(ipDaily, ipInfo)),
                  cached);
          Dataset<Row> scoredClusters =
              Scoring.scoreClusters(
                  clusterFeatures.join(ids, Clustering.COMPONENT),
                  col(Cols.CLUSTER_ID),
                  in.model());
          if (decided != null) {
            scoredClusters =
                Feedback.boostConfirmedClusters(
                    scoredClusters, named, decided, s.getDouble(Settings.CONFIRMED_BOOST));
          }
          Dataset<Row> clusterRisk =
              cache(
                  scoredClusters
                      .withColumn(
                          Cols.RISK_TIER,
                          Scoring.tier(col(Cols.RISK_SCORE), medium, high, critical))
                      .withColumn(Cols.RUN_DATE, lit(runDate))
                      .withColumn(Cols.MODEL_VERSION, lit(in.model().version())),
                  cached);
          Dataset<Row> clusterOf =
              named
                  .join(
                      attachment(pairWeights, stars, members, clusterParams.minWeight()),
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
          Dataset<Row> evidence =
              clusterEvidence(links, named)
                  .unionByName(starEvidence(stars, named, linkParams.starWeight()))
                  .withColumn(Cols.RUN_DATE, lit(runDate));
          Dataset<Row> scoredAccounts =
              Scoring.scoreAccounts(accountFeatures, clusterOf, clusterRisk, in.model());
          if (decided != null) {
            scoredAccounts =
                Feedback.capCleared(
                    scoredAccounts,
                    Feedback.clearances(
                        decided, evidence, clusterParams.minWeight(), in.windowStart()),
                    clearedCap(s));
          }
          Dataset<Row> accountRisk =
              scoredAccounts
                  .withColumn(
                      Cols.RISK_TIER, Scoring.tier(col(Cols.RISK_SCORE), medium, high, critical))
                  .withColumn(Cols.RUN_DATE, lit(runDate))
                  .withColumn(Cols.MODEL_VERSION, lit(in.model().version()))
                  .withColumn(Scoring.WORKING_OFFSET, col(Features.BEST_OFFSET));
          return new Output(
              evidence,
              named.withColumn(Cols.RUN_DATE, lit(runDate)),
              clusterRisk,
              accountRisk,
              cached);
        });
  }

  /**
   * The first and last day the account features describe: the window, or, for a caller that names
   * none, every day of its input (one small aggregate).
   */
  static Span featureDays(Input in, Dataset<Row> ipDaily) {
    if (in.windowStart() != null) {
      return new Span(in.windowStart(), in.runDate());
    }
    Row span = ipDaily.agg(min(Cols.EVENT_DATE), max(Cols.EVENT_DATE)).first();
    if (span.isNullAt(0)) {
      return new Span(in.runDate(), in.runDate());
    }
    return new Span(span.getDate(0).toLocalDate(), span.getDate(1).toLocalDate());
  }

  /** Days from {@code first} to {@code last}, both included. */
  record Span(LocalDate first, LocalDate last) {}

  /**
   * The co-login share's denominator: the distinct days each account logged in at all, not the days
   * on its busiest address (with rotating VPN exits that was several times too small, and chance
   * meetings on a busy exit became cluster-strength links).
   */
  static Dataset<Row> activeDays(Dataset<Row> ipDaily) {
    return ipDaily
        .groupBy(Cols.ACCOUNT_ID)
        .agg(countDistinct(Cols.EVENT_DATE).as(Links.ACTIVE_DAYS));
  }

  /** The highest score an account cleared by review keeps: just below the high tier. */
  static double clearedCap(Settings s) {
    double cap = s.getDouble(Settings.TIER_HIGH) - s.getDouble(Settings.CLEARED_MARGIN);
    if (!(cap > 0 && cap < 1)) {
      throw new com.cohortwatch.CohortWatchException(
          Settings.TIER_HIGH.name()
              + " minus "
              + Settings.CLEARED_MARGIN.name()
              + " must lie strictly between 0 and 1, got "
              + cap);
    }
    return cap;
  }

  /**
   * Materialises a step that later steps read several times, and cuts its lineage: the later plans
   * reuse the same inputs through many joins, and an uncut plan grows with every reuse until the
   * analyser spends minutes on it. Local checkpoints live on the executors, like a cache.
   */
  private static Dataset<Row> cache(Dataset<Row> ds, List<Dataset<Row>> cached) {
    Dataset<Row> p = ds.localCheckpoint(true);
    cached.add(p);
    return p;
  }

  /**
   * How firmly each member hangs on its cluster, in [0, 1]: the members it links to directly (links
   * above the threshold) against a quarter of the others; 1 for clusters of four or fewer and for
   * members of a star hub inside the cluster.
   */
  static Dataset<Row> attachment(
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
            .agg(org.apache.spark.sql.functions.count(lit(1)).as("_degree"));
    Dataset<Row> sizes =
        members
            .groupBy(col(comp).as("_sc"))
            .agg(org.apache.spark.sql.functions.count(lit(1)).as("_size"));
    Dataset<Row> starMembers = stars.select(col(Cols.ACCOUNT_ID).as("_star")).distinct();
    org.apache.spark.sql.Column attach =
        org.apache
            .spark
            .sql
            .functions
            .when(col("_size").leq(4).or(col("_star").isNotNull()), lit(1.0))
            .otherwise(
                org.apache.spark.sql.functions.least(
                    lit(1.0),
                    org.apache
                        .spark
                        .sql
                        .functions
                        .coalesce(col("_degree"), lit(0L))
                        .divide(col("_size").minus(1).multiply(0.25))));
    return members
        .join(sizes, col(comp).equalTo(col("_sc")))
        .join(degree, col(Cols.ACCOUNT_ID).equalTo(col("_d")), "left")
        .join(starMembers, col(Cols.ACCOUNT_ID).equalTo(col("_star")), "left")
        .select(col(Cols.ACCOUNT_ID).as("_att_account"), attach.as(Scoring.ATTACHMENT));
  }

  /** Links whose two accounts ended in the same cluster: the evidence an analyst reads. */
  static Dataset<Row> clusterEvidence(Dataset<Row> links, Dataset<Row> named) {
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
  static Dataset<Row> starEvidence(Dataset<Row> stars, Dataset<Row> named, double starWeight) {
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
