package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.Settings;
import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.UsageType;
import java.sql.Date;
import java.time.LocalDate;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The detection pipeline without I/O: rollups of the window in, links, clusters and scores out. The
 * nightly's detect stage reads the inputs from the warehouse and publishes the outputs; tests call
 * this directly on small in-memory Datasets.
 *
 * <p>{@link #run} is the pipeline: enrich the window's addresses, fold the window into memberships,
 * relabel the VPN exits the intelligence missed, link accounts, cluster them, score them. Each step
 * below is one function of the earlier steps' typed results.
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

  /**
   * What detection produces, each already in its gold table's shape (less the schema cast). Close
   * it once the tables are written: that frees the steps' materialised results.
   */
  public record Output(
      Dataset<Row> linkEvidence,
      Dataset<Row> clusterMembers,
      Dataset<Row> clusterRisk,
      Dataset<Row> accountRisk,
      Checkpoints checkpoints)
      implements AutoCloseable {
    @Override
    public void close() {
      checkpoints.release();
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

  /** The settings detection reads, resolved once. */
  record Params(
      Links.Params links,
      Clustering.Params clustering,
      int ipv4Prefix,
      int ipv6Prefix,
      RiskTables.Tiers tiers,
      double confirmedBoost,
      double clearedMargin) {
    static Params from(Settings s) {
      return new Params(
          Links.Params.from(s),
          new Clustering.Params(
              s.getDouble(Settings.MIN_LINK_WEIGHT),
              s.getInt(Settings.MAX_CLUSTER_SIZE),
              s.getInt(Settings.COMMUNITY_MIN_SIZE),
              s.getDouble(Settings.COMMUNITY_RESOLUTION)),
          s.getInt(Settings.IPV4_PREFIX),
          s.getInt(Settings.IPV6_PREFIX),
          new RiskTables.Tiers(
              s.getDouble(Settings.TIER_MEDIUM),
              s.getDouble(Settings.TIER_HIGH),
              s.getDouble(Settings.TIER_CRITICAL)),
          s.getDouble(Settings.CONFIRMED_BOOST),
          s.getDouble(Settings.CLEARED_MARGIN));
    }

    /**
     * The highest score an account cleared by review keeps: just below the high tier. Checked when
     * there are decisions to apply it to.
     */
    double clearedCap() {
      double cap = tiers.high() - clearedMargin;
      if (!(cap > 0 && cap < 1)) {
        throw new CohortWatchException(
            Settings.TIER_HIGH.name()
                + " minus "
                + Settings.CLEARED_MARGIN.name()
                + " must lie strictly between 0 and 1, got "
                + cap);
      }
      return cap;
    }
  }

  /** The enrich step's results: each account's active days, and what is known of each address. */
  record Enriched(Dataset<Row> activeDays, Dataset<Row> ipInfo) {}

  /** The exits step's results: addresses, memberships and handovers after relabelling exits. */
  record Relabelled(Dataset<Row> ipInfo, Dataset<Row> memberships, Dataset<Row> handovers) {}

  /** The cluster step's results. */
  record Clustered(
      Dataset<Row> pairWeights,
      Dataset<Row> stars,
      Dataset<Row> members,
      Dataset<Row> ids,
      Dataset<Row> named) {}

  public static Output run(SparkSession spark, Input in, Stages stages) {
    Params p = Params.from(in.settings());
    Checkpoints kept = new Checkpoints();
    // The window is not materialised: its rows carry 24-hour profiles that only the account
    // features read, and at 1M accounts (90M rows) a checkpoint of it spilled gigabytes to disk.
    // Each step below scans the Delta table with only the columns it needs.
    Dataset<Row> window = in.attributeDaily();
    Dataset<Row> ipDaily = window.filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()));
    // Every step runs inside a named stage, so its Spark jobs carry that stage's job group and its
    // time counts in that stage's seconds (about 160 s of task time at 1M accounts ran in none).
    try {
      Enriched enriched = stages.stage("enrich", () -> enrich(ipDaily, in.ipIntel(), kept));
      Dataset<Row> asLabelled =
          stages.stage("memberships", () -> memberships(window, in.payouts(), enriched, kept));
      Relabelled relabelled =
          stages.stage("exits", () -> relabelExits(asLabelled, enriched, in.accounts(), p, kept));
      Dataset<Row> links =
          stages.stage(
              "link",
              () -> link(relabelled, enriched, in.accounts(), in.coLoginMeetings(), p, kept));
      Clustered clustered =
          stages.stage("cluster", () -> cluster(spark, links, relabelled, in, p, kept));
      return stages.stage("score", () -> score(in, ipDaily, relabelled, links, clustered, p, kept));
    } catch (RuntimeException | Error e) {
      kept.release();
      throw e;
    }
  }

  private static Enriched enrich(Dataset<Row> ipDaily, Dataset<Row> ipIntel, Checkpoints kept) {
    // Read by the payouts (only active accounts' count), the attribute pairs (a guest's share of
    // its days) and the co-login meetings: one scan of the window for all three.
    Dataset<Row> active = kept.keep(activeDays(ipDaily));
    // Read twice by the lookup (the addresses matched, and all of them): one scan of the window
    // instead of two.
    Dataset<Row> ips = kept.keep(ipDaily.select(col(Cols.ATTR_VALUE).as(Cols.IP)).distinct());
    return new Enriched(active, kept.keep(Enrichment.ipInfo(ips, ipIntel)));
  }

  private static Dataset<Row> memberships(
      Dataset<Row> window, Dataset<Row> payouts, Enriched enriched, Checkpoints kept) {
    Dataset<Row> activePayouts =
        payouts.join(enriched.activeDays().select(Cols.ACCOUNT_ID), Cols.ACCOUNT_ID);
    return kept.keep(Links.memberships(window, activePayouts, enriched.ipInfo()));
  }

  /** Exits the intelligence missed are treated as the VPN exits they are, by every later step. */
  private static Relabelled relabelExits(
      Dataset<Row> asLabelled,
      Enriched enriched,
      Dataset<Row> accounts,
      Params p,
      Checkpoints kept) {
    Dataset<Row> exits =
        kept.keep(
            Exits.inferred(
                asLabelled,
                enriched.ipInfo(),
                accounts,
                p.ipv4Prefix(),
                p.ipv6Prefix(),
                kept::keep));
    Dataset<Row> memberships = Exits.relabelMemberships(asLabelled, exits);
    return new Relabelled(
        kept.keep(Exits.relabel(enriched.ipInfo(), exits)),
        memberships,
        // Read by the handover batches and by the account features.
        kept.keep(Features.handovers(memberships)));
  }

  private static Dataset<Row> link(
      Relabelled r,
      Enriched enriched,
      Dataset<Row> accounts,
      Dataset<Row> coLoginMeetings,
      Params p,
      Checkpoints kept) {
    Links.Params lp = p.links();
    // Read four times: as links, for the exit twins, the cohort and the handover pairs.
    Dataset<Row> shared =
        kept.keep(Links.attributePairs(r.memberships(), enriched.activeDays(), lp));
    Dataset<Row> twins = Links.exitTwins(shared, r.memberships(), r.ipInfo(), lp);
    return kept.keep(
        shared
            .unionByName(Links.cohortPairs(shared, accounts, twins, lp))
            .unionByName(Links.handoverPairs(shared, r.handovers(), r.ipInfo(), lp))
            .unionByName(
                Links.coLoginPairs(coLoginMeetings, enriched.activeDays(), r.ipInfo(), lp)));
  }

  private static Clustered cluster(
      SparkSession spark, Dataset<Row> links, Relabelled r, Input in, Params p, Checkpoints kept) {
    Links.Params lp = p.links();
    Dataset<Row> weights = kept.keep(Links.pairWeights(links));
    // Several joins deep and read four times (graph edges, graph vertices, attachment, evidence).
    Dataset<Row> hubs =
        kept.keep(
            Links.starHubs(r.memberships(), r.ipInfo(), in.accounts(), lp)
                .unionByName(Links.cohortStars(r.memberships(), r.ipInfo(), in.accounts(), lp)));
    Dataset<Row> components =
        kept.keep(Clustering.cluster(spark, weights, hubs, lp.starWeight(), p.clustering()));
    Dataset<Row> stable = StableIds.assign(components, in.previousMembers(), in.runDate());
    return new Clustered(
        weights,
        hubs,
        components,
        stable,
        kept.keep(components.join(stable, Clustering.COMPONENT)));
  }

  private static Output score(
      Input in,
      Dataset<Row> ipDaily,
      Relabelled r,
      Dataset<Row> links,
      Clustered c,
      Params p,
      Checkpoints kept) {
    Date runDate = Date.valueOf(in.runDate());
    // Read by both halves of the account features: one scan of the window for the two.
    Span days = featureDays(in, ipDaily);
    Dataset<Row> perAddress =
        kept.keep(Features.perAddress(ipDaily, r.handovers(), days.first(), days.last()));
    Dataset<Row> accountFeatures =
        kept.keep(
            Features.accountFeatures(
                perAddress, r.ipInfo(), in.accounts(), r.memberships(), in.runDate()));
    // Review decisions (null when there are none: the scores are then the model's alone).
    Dataset<Row> decided =
        in.decisions() == null
            ? null
            : kept.keep(Feedback.latestDecisions(in.decisions(), in.runDate()));
    Dataset<Row> clusterFeatures =
        kept.keep(
            Scoring.clusterFeatures(
                c.members(),
                accountFeatures,
                r.memberships(),
                links,
                mobileDays(ipDaily, r.ipInfo())));
    Dataset<Row> clusterRisk =
        kept.keep(
            RiskTables.clusterRisk(
                clusterFeatures.join(c.ids(), Clustering.COMPONENT),
                c.named(),
                decided,
                p.confirmedBoost(),
                in.model(),
                p.tiers(),
                runDate));
    Dataset<Row> clusterOf =
        RiskTables.clusterOf(
            c.named(),
            c.pairWeights(),
            c.stars(),
            c.members(),
            accountFeatures,
            clusterFeatures,
            r.memberships(),
            p.clustering().minWeight());
    Dataset<Row> evidence =
        RiskTables.evidence(links, c.stars(), c.named(), p.links().starWeight(), runDate);
    Dataset<Row> accountRisk =
        RiskTables.accountRisk(
            accountFeatures,
            clusterOf,
            clusterRisk,
            decided == null
                ? null
                : Feedback.clearances(
                    decided, evidence, p.clustering().minWeight(), in.windowStart()),
            decided == null ? 0 : p.clearedCap(),
            in.model(),
            p.tiers(),
            runDate);
    return new Output(
        evidence,
        c.named().withColumn(Cols.RUN_DATE, lit(runDate)),
        clusterRisk,
        accountRisk,
        kept);
  }

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
        .agg(countDistinct(Cols.EVENT_DATE).as(Cols.ACTIVE_DAYS));
  }
}
