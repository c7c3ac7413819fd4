package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * The transparent risk model: each feature is a number in [0, 1] with a documented weight (see
 * docs/MODEL.md); the score is the logistic of the weighted sum, and every feature that adds at
 * least {@link #REASON_MIN_CONTRIBUTION} to it becomes a reason built from the cluster's or the
 * account's own numbers.
 */
public final class Scoring {
  private Scoring() {}

  public static final String MODEL_VERSION = "cw-rules-1.0";

  /** Reasons are listed for features adding at least this much to the logit. */
  static final double REASON_MIN_CONTRIBUTION = 0.4;

  // Cluster model weights (logit scale). Documented in docs/MODEL.md.
  static final double BIAS = -4.5;
  static final double W_IDENTITY_SPREAD = 2.0;
  static final double W_TZ_MISMATCH = 2.5;
  static final double W_CREATION_BURST = 1.5;
  static final double W_ANONYMISED = 1.5;
  static final double W_FOREIGN_IP = 1.5;
  static final double W_SHARED_DEVICE = 1.5;
  static final double W_SHARED_PAYOUT = 1.0;
  static final double W_RESIDENTIAL_CROWD = 3.5;
  static final double W_CO_LOGIN = 0.5;
  static final double W_HOME_CONSISTENT = -1.0;
  static final double W_AGENCY = -1.5;

  // Account adjustments on top of the cluster's logit, and the model for accounts in no cluster.
  static final double SINGLETON_BIAS = -5.0;
  static final double W_OWN_TZ = 0.75;
  static final double W_OWN_ANON = 0.5;
  static final double W_SINGLE_TZ = 2.5;
  static final double W_SINGLE_ANON = 1.5;
  static final double W_SINGLE_FOREIGN = 1.5;
  static final double W_SINGLE_HOME = -1.0;

  public static final String SIZE = Cols.SIZE;
  public static final String N_COUNTRIES = "claimed_countries_count";
  public static final String COUNTRIES = "claimed_countries";
  public static final String N_TIMEZONES = "claimed_timezones_count";
  public static final String TZ_SHARE = "tz_mismatch_share";
  public static final String CREATED_SPAN_DAYS = "created_span_days";
  public static final String ANON_SHARE = "anonymised_share";
  public static final String FOREIGN_SHARE = "foreign_share";
  public static final String HOME_SHARE = "home_share";
  public static final String AGENCY_SHARE = "agency_share";
  public static final String SHARED_IPS = "shared_ips";
  public static final String SHARED_DEVICES = "shared_devices";
  public static final String SHARED_PAYOUTS = "shared_payout_methods";
  public static final String MAX_DEVICE_MEMBERS = "max_accounts_per_device";
  public static final String MAX_PAYOUT_MEMBERS = "max_accounts_per_payout";
  public static final String MAX_RESIDENTIAL_MEMBERS = "max_accounts_per_residential_ip";
  public static final String CROWD_IP = "crowd_ip";
  public static final String EXCLUSIVITY = "infrastructure_exclusivity";
  public static final String CO_LOGIN_MEMBERS = "co_login_members";
  public static final String WORKING_OFFSET = "working_hours_offset";
  public static final String WORKING_TZ = "working_hours_timezone";
  public static final String WORKING_FIT = "working_hours_fit";
  public static final String LOGIT = "logit";
  public static final String ATTACHMENT = "attachment";

  static Column clamp01(Column c) {
    return least(lit(1.0), greatest(lit(0.0), coalesce(c, lit(0.0))));
  }

  static Column safeDiv(Column a, Column b) {
    return when(b.gt(0), a.divide(b)).otherwise(lit(0.0));
  }

  /**
   * Cluster features from its members' account features, the shared infrastructure and co-login
   * links.
   */
  public static Dataset<Row> clusterFeatures(
      Dataset<Row> members,
      Dataset<Row> accountFeatures,
      Dataset<Row> memberships,
      Dataset<Row> links) {
    String comp = Clustering.COMPONENT;
    Dataset<Row> m = members.join(accountFeatures, Cols.ACCOUNT_ID);
    Column created = unix_seconds(col(Cols.CREATED_AT));
    Dataset<Row> base =
        m.groupBy(col(comp))
            .agg(
                count(lit(1)).as(SIZE),
                countDistinct(Cols.CLAIMED_COUNTRY).as(N_COUNTRIES),
                array_sort(collect_set(Cols.CLAIMED_COUNTRY)).as(COUNTRIES),
                countDistinct(Cols.CLAIMED_TIMEZONE).as(N_TIMEZONES),
                ExactSums.avg(col(Features.TZ_MISMATCH)).as(TZ_SHARE),
                Features.summedHours(Cols.HOURS).as(Cols.HOURS),
                percentile_approx(created, lit(0.1), lit(1000)).as("_c10"),
                percentile_approx(created, lit(0.9), lit(1000)).as("_c90"),
                count(col(Cols.CREATED_AT)).as("_n_created"),
                safeDiv(sum(Features.ANON_LOGINS), sum(Cols.LOGINS)).as(ANON_SHARE),
                safeDiv(sum(Features.FOREIGN_LOGINS), sum(Features.NONANON_KNOWN_LOGINS))
                    .as(FOREIGN_SHARE),
                safeDiv(sum(Features.HOME_LOGINS), sum(Cols.LOGINS)).as(HOME_SHARE),
                // 0/1 values: a plain avg is exact in any order
                avg(when(col(Cols.PROFILE_TYPE).equalTo("agency_member"), 1.0).otherwise(0.0))
                    .as(AGENCY_SHARE))
            .withColumn(
                CREATED_SPAN_DAYS,
                when(col("_n_created").geq(3), col("_c90").minus(col("_c10")).divide(86400.0)))
            .drop("_c10", "_c90", "_n_created");

    Dataset<Row> shared =
        memberships
            .join(members, Cols.ACCOUNT_ID)
            .groupBy(
                col(comp),
                col(Cols.ATTR_TYPE),
                col(Cols.ATTR_VALUE),
                col(Cols.USAGE_TYPE),
                col(Cols.N_ACCOUNTS))
            .agg(count(lit(1)).as("_in"))
            .filter(col("_in").geq(2))
            .filter(col(Cols.ATTR_TYPE).notEqual(Rollups.SUBNET));
    Column residential =
        col(Cols.ATTR_TYPE)
            .equalTo(Rollups.IP)
            .and(coalesce(col(Cols.USAGE_TYPE), lit("residential")).equalTo("residential"));
    Dataset<Row> infra =
        shared
            .groupBy(col(comp).as("_ic"))
            .agg(
                count(when(col(Cols.ATTR_TYPE).equalTo(Rollups.IP), 1)).as(SHARED_IPS),
                count(when(col(Cols.ATTR_TYPE).equalTo(Rollups.DEVICE), 1)).as(SHARED_DEVICES),
                count(when(col(Cols.ATTR_TYPE).equalTo(Rollups.PAYOUT), 1)).as(SHARED_PAYOUTS),
                max(when(col(Cols.ATTR_TYPE).equalTo(Rollups.DEVICE), col("_in")))
                    .as(MAX_DEVICE_MEMBERS),
                max(when(col(Cols.ATTR_TYPE).equalTo(Rollups.PAYOUT), col("_in")))
                    .as(MAX_PAYOUT_MEMBERS),
                max(when(residential, col("_in"))).as(MAX_RESIDENTIAL_MEMBERS),
                // The most crowded residential IP; on a tie the greatest address, not whichever
                // row came first (max_by keeps the first of equals: partitioning-dependent).
                max(struct(
                        when(residential, col("_in")).otherwise(lit(-1L)).as("_k"),
                        col(Cols.ATTR_VALUE).as("_v")))
                    .getField("_v")
                    .as(CROWD_IP),
                ExactSums.avg(col("_in").divide(col(Cols.N_ACCOUNTS))).as(EXCLUSIVITY));

    Dataset<Row> coLogin =
        links
            .filter(col(Cols.LINK_TYPE).equalTo(Rollups.CO_LOGIN))
            .select(col(Cols.ACCOUNT_A).as(Cols.ACCOUNT_ID))
            .union(
                links
                    .filter(col(Cols.LINK_TYPE).equalTo(Rollups.CO_LOGIN))
                    .select(col(Cols.ACCOUNT_B)))
            .distinct()
            .join(members, Cols.ACCOUNT_ID)
            .groupBy(col(comp).as("_cc"))
            .agg(count(lit(1)).as(CO_LOGIN_MEMBERS));

    Dataset<Row> fitted =
        base.join(infra, col(comp).equalTo(col("_ic")), "left")
            .drop("_ic")
            .join(coLogin, col(comp).equalTo(col("_cc")), "left")
            .drop("_cc")
            .withColumn(
                "_fit",
                Features.workingHoursFit(java.time.LocalDate.of(2000, 1, 1))
                    .apply(col(Cols.HOURS), lit(null).cast("string")))
            .withColumn(WORKING_OFFSET, col("_fit." + Features.BEST_OFFSET))
            .withColumn(WORKING_FIT, col("_fit." + Features.BEST_FIT))
            .withColumn(
                WORKING_TZ,
                udf(
                        (UDF1<Integer, String>) o -> o == null ? null : WorkingHours.label(o),
                        DataTypes.StringType)
                    .apply(col(WORKING_OFFSET)))
            .drop("_fit");
    for (String c :
        new String[] {
          SHARED_IPS,
          SHARED_DEVICES,
          SHARED_PAYOUTS,
          MAX_DEVICE_MEMBERS,
          MAX_PAYOUT_MEMBERS,
          MAX_RESIDENTIAL_MEMBERS,
          CO_LOGIN_MEMBERS
        }) {
      fitted = fitted.withColumn(c, coalesce(col(c), lit(0L)));
    }
    return fitted;
  }

  /** A feature's contribution and its reason, when it matters. */
  private record Term(String code, double weight, Column feature, Column text) {}

  private static Term[] clusterTerms() {
    Column size = col(SIZE);
    return new Term[] {
      new Term(
          "IDENTITY_SPREAD",
          W_IDENTITY_SPREAD,
          clamp01(
              greatest(
                  col(N_COUNTRIES).minus(1).divide(2.0), col(N_TIMEZONES).minus(1).divide(3.0))),
          format_string(
              "%d accounts sharing infrastructure claim %d countries (%s) and %d timezones",
              size, col(N_COUNTRIES), array_join(col(COUNTRIES), ", "), col(N_TIMEZONES))),
      new Term(
          "TZ_MISMATCH",
          W_TZ_MISMATCH,
          clamp01(col(TZ_SHARE)),
          format_string(
              "logins fit a %s working day (%d %%), not the members' claimed timezones",
              col(WORKING_TZ), round(col(WORKING_FIT).multiply(100)).cast("int"))),
      new Term(
          "CREATION_BURST",
          W_CREATION_BURST,
          when(size.geq(4).and(col(CREATED_SPAN_DAYS).leq(21)), 1.0)
              .when(size.geq(4).and(col(CREATED_SPAN_DAYS).leq(45)), 0.5)
              .otherwise(0.0),
          format_string(
              "most of the %d accounts were created within %d days",
              size, round(col(CREATED_SPAN_DAYS)).cast("int"))),
      new Term(
          "ANONYMISED_INFRA",
          W_ANONYMISED,
          clamp01(col(ANON_SHARE)),
          format_string(
              "%d %% of logins from hosting, VPN or Tor addresses",
              round(col(ANON_SHARE).multiply(100)).cast("int"))),
      new Term(
          "FOREIGN_IP",
          W_FOREIGN_IP,
          clamp01(col(FOREIGN_SHARE)),
          format_string(
              "%d %% of non-VPN logins come from outside the claimed countries",
              round(col(FOREIGN_SHARE).multiply(100)).cast("int"))),
      new Term(
          "SHARED_DEVICE",
          W_SHARED_DEVICE,
          clamp01(col(MAX_DEVICE_MEMBERS).minus(2).divide(3.0)),
          format_string(
              "a device is shared by %d accounts of the cluster (%d shared devices)",
              col(MAX_DEVICE_MEMBERS), col(SHARED_DEVICES))),
      new Term(
          "SHARED_PAYOUT",
          W_SHARED_PAYOUT,
          clamp01(col(MAX_PAYOUT_MEMBERS).minus(1).divide(4.0)),
          format_string(
              "a payout method is shared by %d accounts of the cluster", col(MAX_PAYOUT_MEMBERS))),
      new Term(
          "RESIDENTIAL_CROWD",
          W_RESIDENTIAL_CROWD,
          clamp01(col(MAX_RESIDENTIAL_MEMBERS).minus(4).divide(4.0)),
          format_string(
              "residential address %s is used by %d accounts of the cluster (a household has a few)",
              col(CROWD_IP), col(MAX_RESIDENTIAL_MEMBERS))),
      new Term(
          "CO_LOGIN",
          W_CO_LOGIN,
          clamp01(safeDiv(col(CO_LOGIN_MEMBERS), size)),
          format_string(
              "%d of %d accounts log in from the same address within minutes of each other on many days",
              col(CO_LOGIN_MEMBERS), size)),
      new Term(
          "CONSISTENT_IDENTITY",
          W_HOME_CONSISTENT,
          clamp01(col(HOME_SHARE)),
          format_string(
              "%d %% of logins come from ordinary networks in the claimed countries",
              round(col(HOME_SHARE).multiply(100)).cast("int"))),
      new Term(
          "AGENCY_PROFILE",
          W_AGENCY,
          clamp01(col(AGENCY_SHARE))
              .multiply(when(col(MAX_PAYOUT_MEMBERS).geq(2), 1.0).otherwise(0.0)),
          format_string(
              "%d %% of members are registered agency members paid through the agency",
              round(col(AGENCY_SHARE).multiply(100)).cast("int")))
    };
  }

  static Column logit(double bias, Term[] terms) {
    Column sum = lit(bias);
    for (Term t : terms) {
      sum = sum.plus(t.feature().multiply(t.weight()));
    }
    return sum;
  }

  /** Reasons: the terms whose contribution is at least the minimum, strongest first. */
  static Column reasons(Term[] terms, Column prefix) {
    Column[] items = new Column[terms.length];
    for (int i = 0; i < terms.length; i++) {
      Term t = terms[i];
      Column contribution = t.feature().multiply(t.weight());
      items[i] =
          when(
              contribution
                  .geq(REASON_MIN_CONTRIBUTION)
                  .or(contribution.leq(-REASON_MIN_CONTRIBUTION)),
              struct(
                  lit(t.code()).as(Cols.CODE),
                  format_string("%s: %s%s", lit(t.code()), prefix, t.text()).as(Cols.TEXT),
                  round(contribution, 2).as(Cols.WEIGHT)));
    }
    return array(items);
  }

  public static Column sigmoid(Column logit) {
    return lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));
  }

  public static Column tier(Column score, double medium, double high, double critical) {
    return when(score.geq(critical), "critical")
        .when(score.geq(high), "high")
        .when(score.geq(medium), "medium")
        .otherwise("low");
  }

  /** Cluster score, tier-free logit and reasons (tiers are applied by the caller). */
  public static Dataset<Row> scoreClusters(Dataset<Row> clusterFeatures, Column clusterLabel) {
    Term[] terms = clusterTerms();
    return clusterFeatures
        .withColumn(LOGIT, logit(BIAS, terms))
        .withColumn(Cols.RISK_SCORE, sigmoid(col(LOGIT)))
        .withColumn(
            Cols.REASONS, sortedReasons(terms, format_string("cluster %s: ", clusterLabel)));
  }

  static Column sortedReasons(Term[] terms, Column prefix) {
    Column raw = reasons(terms, prefix);
    return org.apache.spark.sql.functions.array_sort(
        org.apache.spark.sql.functions.filter(raw, x -> x.isNotNull()),
        (a, b) ->
            when(abs(a.getField(Cols.WEIGHT)).gt(abs(b.getField(Cols.WEIGHT))), -1)
                .when(abs(a.getField(Cols.WEIGHT)).lt(abs(b.getField(Cols.WEIGHT))), 1)
                .otherwise(0));
  }

  private static Column abs(Column c) {
    return org.apache.spark.sql.functions.abs(c);
  }

  private static Term[] accountTerms(boolean inCluster) {
    Column tzText =
        format_string(
            "%d %% of logins fit a %s working day; claims %s (%s)",
            round(col(Features.BEST_FIT).multiply(100)).cast("int"),
            udf(
                    (UDF1<Integer, String>) o -> o == null ? null : WorkingHours.label(o),
                    DataTypes.StringType)
                .apply(col(Features.BEST_OFFSET)),
            col(Cols.CLAIMED_TIMEZONE),
            udf(
                    (UDF1<Integer, String>) o -> o == null ? "?" : WorkingHours.label(o),
                    DataTypes.StringType)
                .apply(col(Features.CLAIMED_OFFSET)));
    Column anonShare = safeDiv(col(Features.ANON_LOGINS), col(Cols.LOGINS));
    Column anonText =
        format_string(
            "%d %% of the account's logins from hosting, VPN or Tor addresses",
            round(anonShare.multiply(100)).cast("int"));
    if (inCluster) {
      return new Term[] {
        new Term("TZ_MISMATCH", W_OWN_TZ, clamp01(col(Features.TZ_MISMATCH)), tzText),
        new Term("ANONYMISED_INFRA", W_OWN_ANON, clamp01(anonShare), anonText)
      };
    }
    Column foreign = safeDiv(col(Features.FOREIGN_LOGINS), col(Features.NONANON_KNOWN_LOGINS));
    Column home = safeDiv(col(Features.HOME_LOGINS), col(Cols.LOGINS));
    return new Term[] {
      new Term("TZ_MISMATCH", W_SINGLE_TZ, clamp01(col(Features.TZ_MISMATCH)), tzText),
      new Term("ANONYMISED_INFRA", W_SINGLE_ANON, clamp01(anonShare), anonText),
      new Term(
          "FOREIGN_IP",
          W_SINGLE_FOREIGN,
          clamp01(foreign),
          format_string(
              "%d %% of non-VPN logins from outside the claimed country %s",
              round(foreign.multiply(100)).cast("int"),
              coalesce(col(Cols.CLAIMED_COUNTRY), lit("?")))),
      new Term(
          "CONSISTENT_IDENTITY",
          W_SINGLE_HOME,
          clamp01(home),
          format_string(
              "%d %% of logins from ordinary networks in the claimed country",
              round(home.multiply(100)).cast("int")))
    };
  }

  /**
   * Account scores: an account in a cluster starts from its cluster's logit and adds its own
   * evidence; an account in no cluster is scored on its own evidence alone.
   *
   * @param accountFeatures every active account's features
   * @param clusterOf account_id, cluster_id, cluster logit and reasons (null for no cluster)
   */
  public static Dataset<Row> scoreAccounts(Dataset<Row> accountFeatures, Dataset<Row> clusterOf) {
    Term[] own = accountTerms(true);
    Term[] single = accountTerms(false);
    Dataset<Row> joined =
        accountFeatures
            .join(
                clusterOf,
                accountFeatures.col(Cols.ACCOUNT_ID).equalTo(clusterOf.col("_member")),
                "left")
            .drop("_member");
    Column inCluster = col(Cols.CLUSTER_ID).isNotNull();
    Column ownLogit = logit(0.0, own);
    Column singleLogit = logit(SINGLETON_BIAS, single);
    // A member hanging on the cluster by one or two links (a VPN user who met a team on its exit)
    // carries only that share of the cluster's evidence.
    Column clusterEvidence =
        lit(BIAS).plus(col(ATTACHMENT).multiply(col("_cluster_logit").minus(BIAS)));
    Column accountLogit = when(inCluster, clusterEvidence.plus(ownLogit)).otherwise(singleLogit);
    Column ownReasons = sortedReasons(own, lit(""));
    Column singleReasons = sortedReasons(single, lit(""));
    return joined
        .withColumn(LOGIT, accountLogit)
        .withColumn(Cols.RISK_SCORE, sigmoid(col(LOGIT)))
        .withColumn(
            Cols.REASONS,
            when(
                    inCluster,
                    org.apache.spark.sql.functions.concat(ownReasons, col("_cluster_reasons")))
                .otherwise(singleReasons));
  }
}
