package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.UsageType;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Links between accounts that share infrastructure, weighted by how rare the shared attribute is
 * and what kind it is.
 *
 * <p><b>Bound on candidate pairs.</b> An attribute (IP, subnet, device, payout method) or a
 * co-login time slot is expanded into account pairs only when at most {@code pairCap} accounts
 * share it; then it yields at most {@code n(n-1)/2 <= (pairCap-1)/2 * n} pairs, so the pairs of all
 * attributes together are at most {@code (pairCap-1)/2} times the number of account-attribute
 * memberships (plus the same for co-login slot memberships): linear in the input, whatever the size
 * of the largest hub. Larger attributes are hubs: a hub of a strong kind (residential or hosting
 * address, device, payout method) with at most {@code starMax} accounts becomes one star vertex in
 * the graph (one edge per member, not per pair); every other hub (mobile carrier NAT, commercial
 * VPN exit, campus) carries no link at all, only co-login evidence from its small time slots.
 */
public final class Links {
  private Links() {}

  /** Parameters of linking, resolved once from the settings. */
  public record Params(
      int pairCap,
      int starMax,
      int coLoginMinDays,
      double minLinkWeight,
      double starWeight,
      int cohortDays,
      int cohortMinShared,
      int cohortMinGroup,
      int twinMinShared,
      double twinSurprise) {
    /** Without the exit-twin gate ({@link #exitTwins}): for step tests that do not exercise it. */
    public Params(
        int pairCap,
        int starMax,
        int coLoginMinDays,
        double minLinkWeight,
        double starWeight,
        int cohortDays,
        int cohortMinShared,
        int cohortMinGroup) {
      this(
          pairCap,
          starMax,
          coLoginMinDays,
          minLinkWeight,
          starWeight,
          cohortDays,
          cohortMinShared,
          cohortMinGroup,
          Integer.MAX_VALUE,
          Double.POSITIVE_INFINITY);
    }

    public static Params from(com.cohortwatch.config.Settings s) {
      return new Params(
          s.getInt(com.cohortwatch.config.Settings.PAIR_CAP),
          s.getInt(com.cohortwatch.config.Settings.STAR_MAX),
          s.getInt(com.cohortwatch.config.Settings.CO_LOGIN_MIN_DAYS),
          s.getDouble(com.cohortwatch.config.Settings.MIN_LINK_WEIGHT),
          s.getDouble(com.cohortwatch.config.Settings.STAR_WEIGHT),
          s.getInt(com.cohortwatch.config.Settings.COHORT_DAYS),
          s.getInt(com.cohortwatch.config.Settings.COHORT_MIN_SHARED),
          s.getInt(com.cohortwatch.config.Settings.COHORT_MIN_GROUP),
          s.getInt(com.cohortwatch.config.Settings.TWIN_MIN_SHARED),
          s.getDouble(com.cohortwatch.config.Settings.TWIN_SURPRISE));
    }
  }

  public static final String KIND_WEIGHT = "kind_weight";
  public static final String TWIN_STRENGTH = "twin_strength";

  /** An exit-twin link at full strength weighs as much as a full co-login link. */
  static final double TWIN_WEIGHT = 0.85;

  /**
   * Co-login meetings on this many different mobile addresses are a hotspot's laptops, not
   * strangers on a carrier's gateway ({@link #coLoginPairs}).
   */
  static final int HOTSPOT_MIN_ADDRESSES = 3;

  /** The join key of two pair tables. */
  private static final Seq<String> PAIR =
      JavaConverters.asScalaBuffer(List.of(Cols.ACCOUNT_A, Cols.ACCOUNT_B)).toSeq();

  /**
   * A handover batch's link ({@link #handoverPairs}) weighs as much as an exit twin pair at its
   * gate: enough to join a cluster alone.
   */
  static final double HANDOVER_WEIGHT = 0.68;

  /** Stands in for an address the intelligence gives no usage type. */
  private static final String NO_USAGE = "unknown";

  /** How much sharing this kind of attribute says about common control, before rarity. */
  static Column kindWeight(Column attrType, Column usage) {
    Column ipKind =
        when(usage.equalTo(UsageType.RESIDENTIAL.value()), 0.9)
            .when(usage.equalTo(UsageType.HOSTING.value()), 0.8)
            .when(usage.equalTo(UsageType.BUSINESS.value()), 0.5)
            .when(usage.equalTo(UsageType.EDUCATION.value()), 0.3)
            .when(usage.equalTo(UsageType.VPN.value()), 0.3)
            .when(usage.equalTo(UsageType.TOR.value()), 0.1)
            .when(usage.equalTo(UsageType.MOBILE.value()), 0.15)
            .otherwise(0.6);
    return when(attrType.equalTo(AttributeKind.IP.value()), ipKind)
        .when(attrType.equalTo(AttributeKind.SUBNET.value()), ipKind.multiply(0.3))
        .when(attrType.equalTo(AttributeKind.DEVICE.value()), lit(1.0))
        .when(attrType.equalTo(AttributeKind.PAYOUT.value()), lit(1.0))
        .otherwise(lit(0.5));
  }

  /** Co-login on an address says more on a small VPN or residential address than on a campus. */
  static Column coLoginKind(Column usage) {
    return when(usage.equalTo(UsageType.EDUCATION.value()), 0.5)
        .when(usage.equalTo(UsageType.BUSINESS.value()), 0.6)
        .when(usage.equalTo(UsageType.MOBILE.value()), 0.3)
        .otherwise(1.0);
  }

  /** FRAUDAR-style rarity: 1.8 / ln(n + 5); 0.93 for two accounts, 0.26 for a thousand. */
  static Column rarity(Column nAccounts) {
    return least(lit(1.0), lit(1.8).divide(log(nAccounts.plus(5))));
  }

  /**
   * Account x attribute over the window, with the attribute's account count and weight.
   *
   * @param attributeDaily rollup rows in the window (ip, subnet, device), one per day, account and
   *     attribute
   * @param payouts account_id, payout_method_id (pseudonymised) of active accounts
   * @param ipInfo ip, usage_type
   */
  public static Dataset<Row> memberships(
      Dataset<Row> attributeDaily, Dataset<Row> payouts, Dataset<Row> ipInfo) {
    // A window count rather than a grouped count joined back.
    Column accountsOnAttribute =
        count(lit(1)).over(Window.partitionBy(col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE)));
    // One shuffle of the window's rows, by attribute value, serves the sum per attribute and
    // account, the count per attribute and the join to the address's usage. Grouped by all three
    // keys instead, the partial aggregate before its shuffle only took 69 M rows to 55 M at 1M
    // accounts (118 s of task time), and the count and the join shuffled the 55 M again.
    Dataset<Row> fromLogins =
        attributeDaily
            .repartition(col(Cols.ATTR_VALUE))
            .groupBy(col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE), col(Cols.ACCOUNT_ID))
            .agg(
                sum(Cols.LOGINS).cast("long").as(Cols.LOGINS),
                min(Cols.FIRST_SEEN).as(Cols.FIRST_SEEN),
                max(Cols.LAST_SEEN).as(Cols.LAST_SEEN),
                // attribute_daily holds one row per (day, account, attribute): a plain count is
                // the distinct days, without the second shuffle a distinct count plans.
                count(lit(1)).as(Cols.ACTIVE_DAYS))
            .withColumn(Cols.N_ACCOUNTS, accountsOnAttribute);
    Dataset<Row> usage = ipInfo.select(col(Cols.IP).as("_ip"), col(Cols.USAGE_TYPE));
    Dataset<Row> withUsage =
        fromLogins
            .join(
                usage,
                fromLogins
                    .col(Cols.ATTR_TYPE)
                    .equalTo(AttributeKind.IP.value())
                    .and(fromLogins.col(Cols.ATTR_VALUE).equalTo(usage.col("_ip"))),
                "left")
            .drop("_ip");
    // Payout attributes never occur in the rollups, so their counts and (absent) usage are
    // computed apart, and the union breaks no partitioning the logins' side relies on.
    Dataset<Row> fromPayouts =
        payouts
            .select(
                lit(AttributeKind.PAYOUT.value()).as(Cols.ATTR_TYPE),
                col(Cols.PAYOUT_METHOD_ID).as(Cols.ATTR_VALUE),
                col(Cols.ACCOUNT_ID),
                lit(0L).as(Cols.LOGINS),
                col(Cols.ADDED_AT).as(Cols.FIRST_SEEN),
                col(Cols.ADDED_AT).as(Cols.LAST_SEEN),
                lit(0L).as(Cols.ACTIVE_DAYS))
            .withColumn(Cols.N_ACCOUNTS, accountsOnAttribute)
            .withColumn(
                Cols.USAGE_TYPE, lit(null).cast(usage.schema().apply(Cols.USAGE_TYPE).dataType()));
    return withUsage.unionByName(fromPayouts).transform(Links::weighed);
  }

  /**
   * The kind weight and weight of memberships from their attribute type, usage and account count:
   * set by {@link #memberships}, and again when an address's usage is revised ({@link
   * Exits#relabelMemberships}).
   */
  static Dataset<Row> weighed(Dataset<Row> memberships) {
    return memberships
        .withColumn(KIND_WEIGHT, kindWeight(col(Cols.ATTR_TYPE), col(Cols.USAGE_TYPE)))
        .withColumn(
            Cols.WEIGHT, col(KIND_WEIGHT).multiply(rarity(col(Cols.N_ACCOUNTS).cast("double"))));
  }

  /** What a shared address one of the two accounts used on one day only weighs, as a share. */
  static final double VISIT_DISCOUNT = 0.7;

  /**
   * What a shared address weighs, as a share, when one account lives on it and the other stayed a
   * while: a traveller at a friend's or a rented room, a guest on the home line.
   */
  static final double STAY_DISCOUNT = 0.5;

  /**
   * An account lives on an address it used on at least this share of its active days; a guest, on
   * fewer. (A guest used to need a third or fewer: test set H's travellers stayed on about 35-43 %
   * of their days and were flagged with their hosts.)
   */
  static final double HOME_SHARE = 0.5;

  /**
   * Pairs of accounts sharing an attribute that is not a hub (n <= pairCap).
   *
   * @param memberships {@link #memberships}
   * @param activeDays account_id, active_days: the distinct days each account logged in at all
   */
  public static Dataset<Row> attributePairs(
      Dataset<Row> memberships, Dataset<Row> activeDays, Params p) {
    Dataset<Row> small =
        memberships
            .filter(col(Cols.N_ACCOUNTS).geq(2).and(col(Cols.N_ACCOUNTS).leq(p.pairCap())))
            .join(
                activeDays.select(col(Cols.ACCOUNT_ID), col(Cols.ACTIVE_DAYS).as("_account_days")),
                JavaConverters.asScalaBuffer(List.of(Cols.ACCOUNT_ID)).toSeq(),
                "left")
            .withColumn("_share", col(Cols.ACTIVE_DAYS).divide(col("_account_days")));
    Dataset<Row> left =
        small.select(
            col(Cols.ATTR_TYPE).as("_t"),
            col(Cols.ATTR_VALUE).as("_v"),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_A),
            col(Cols.FIRST_SEEN).as("_fa"),
            col(Cols.LAST_SEEN).as("_la"),
            col(Cols.LOGINS).as("_na"),
            col(Cols.ACTIVE_DAYS).as("_da"),
            col("_share").as("_sa"),
            col(Cols.USAGE_TYPE).as("_u"),
            col(Cols.WEIGHT));
    Dataset<Row> right =
        small.select(
            col(Cols.ATTR_TYPE).as("_t2"),
            col(Cols.ATTR_VALUE).as("_v2"),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_B),
            col(Cols.FIRST_SEEN).as("_fb"),
            col(Cols.LAST_SEEN).as("_lb"),
            col(Cols.LOGINS).as("_nb"),
            col(Cols.ACTIVE_DAYS).as("_db"),
            col("_share").as("_sb"));
    // An ordinary address one of the two used on a single day is a visit (a traveller at a
    // friend's, a guest on the home line), not a shared home: it weighs less than one both keep
    // using. Not an anonymising exit: a ring that works through the same exits a day each is no
    // visitor. (The visit's subnet too was tried: it lost a farm operator on a training world and
    // spared no one more.)
    Column ordinaryAddress =
        col("_t")
            .equalTo(AttributeKind.IP.value())
            .and(Enrichment.anonymising(col("_u")).unary_$bang());
    Column visit = ordinaryAddress.and(least(col("_da"), col("_db")).leq(1));
    // A stay is the same over several days: one of the two lives on the address, the other does
    // not (used it on fewer than half of its own days). Alone it must not join a cluster (two
    // strangers, one of them on a trip, claiming two countries, were the commonest false positive
    // of test set G). A ring's members meet on a facilitator's line as equals: either all live on
    // it (a laptop farm) or none does (a line they pass through now and then), and neither is a
    // stay.
    Column stay =
        ordinaryAddress.and(
            col("_sa")
                .geq(HOME_SHARE)
                .and(col("_sb").lt(HOME_SHARE))
                .or(col("_sb").geq(HOME_SHARE).and(col("_sa").lt(HOME_SHARE))));
    return left.join(
            right,
            col("_t")
                .equalTo(col("_t2"))
                .and(col("_v").equalTo(col("_v2")))
                .and(col(Cols.ACCOUNT_A).lt(col(Cols.ACCOUNT_B))))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            col("_t").as(Cols.LINK_TYPE),
            col("_v").as(Cols.ATTRIBUTE),
            when(coalesce(stay, lit(false)), col(Cols.WEIGHT).multiply(STAY_DISCOUNT))
                .when(visit, col(Cols.WEIGHT).multiply(VISIT_DISCOUNT))
                .otherwise(col(Cols.WEIGHT))
                .as(Cols.WEIGHT),
            greatest(col("_fa"), col("_fb")).as(Cols.FIRST_SEEN),
            least(col("_la"), col("_lb")).as(Cols.LAST_SEEN),
            least(col("_na"), col("_nb")).as(Cols.EVENTS));
  }

  /**
   * Cohort: two accounts created within {@code cohortDays} of each other that share at least {@code
   * cohortMinShared} distinct addresses (each below the hub size). Each shared address alone is
   * weak evidence when it is a VPN exit many strangers use, and the strongest-per-type rule of
   * {@link #pairWeights} counts ten shared exits as one; but identities made in one batch and then
   * worked through the same handful of exits (or leaking through the same rare exits past their
   * residential proxies) are what a ring looks like and what strangers who signed up months apart
   * do not. The weight is the noisy-or of the shared addresses' weights less the strongest, which
   * the pair's ip link already carries; together they make the noisy-or of every shared address,
   * {@code 1 - prod(1 - w)}. The common creation time is the gate, not a multiplier: counting the
   * addresses twice linked a quarter of the honest VPN users of a training world. With {@code
   * cohortMinGroup} 3 a pair counts only on a triangle of such pairs, each strong enough alone to
   * join a cluster ({@link #inTriangle}): honest VPN users who signed up together still made such
   * pairs in every training world, rings made triangles.
   *
   * <p>The creation time and the triangle are one gate; {@code twins} ({@link #exitTwins}) is the
   * other: a pair that works through far more of the same exits than the provider's size explains
   * is linked whenever its accounts were made (bought and aged accounts are not made together).
   *
   * @param pairs the attribute pairs of {@link #attributePairs}
   * @param accounts account_id, created_at
   * @param twins account_a, account_b, twin_strength of {@link #exitTwins}
   */
  public static Dataset<Row> cohortPairs(
      Dataset<Row> pairs, Dataset<Row> accounts, Dataset<Row> twins, Params p) {
    Dataset<Row> perPair =
        pairs
            .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.IP.value()))
            .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
            .agg(
                count(lit(1)).as("_shared"),
                ExactSums.sum(log(greatest(lit(1e-9), lit(1.0).minus(col(Cols.WEIGHT)))))
                    .as("_log_none"),
                max(Cols.WEIGHT).as("_strongest"),
                min(Cols.ATTRIBUTE).as(Cols.ATTRIBUTE),
                min(Cols.FIRST_SEEN).as(Cols.FIRST_SEEN),
                max(Cols.LAST_SEEN).as(Cols.LAST_SEEN),
                sum(Cols.EVENTS).cast("long").as(Cols.EVENTS))
            .filter(col("_shared").geq(p.cohortMinShared()));
    Dataset<Row> createdA =
        accounts.select(col(Cols.ACCOUNT_ID).as("_ca"), col(Cols.CREATED_AT).as("_ta"));
    Dataset<Row> createdB =
        accounts.select(col(Cols.ACCOUNT_ID).as("_cb"), col(Cols.CREATED_AT).as("_tb"));
    Column apartSeconds =
        abs(col("_ta").cast("long").minus(col("_tb").cast("long"))).cast("double");
    Dataset<Row> candidates =
        perPair
            .join(createdA, col(Cols.ACCOUNT_A).equalTo(col("_ca")))
            .join(createdB, col(Cols.ACCOUNT_B).equalTo(col("_cb")))
            .filter(apartSeconds.leq(p.cohortDays() * 86400.0));
    if (p.cohortMinGroup() >= 3) {
      // a triangle of strong pairs only: every side alone (all its shared addresses) would join a
      // cluster; a weak third side let pairs of honest VPN users through on two training worlds
      Dataset<Row> strong =
          candidates.filter(lit(1.0).minus(exp(col("_log_none"))).geq(p.minLinkWeight()));
      candidates =
          strong.join(inTriangle(strong.select(Cols.ACCOUNT_A, Cols.ACCOUNT_B)), PAIR, "left_semi");
    }
    Dataset<Row> batches =
        candidates.select(Cols.ACCOUNT_A, Cols.ACCOUNT_B).withColumn(TWIN_STRENGTH, lit(0.0));
    Dataset<Row> gates =
        batches
            .unionByName(twins.select(Cols.ACCOUNT_A, Cols.ACCOUNT_B, TWIN_STRENGTH))
            .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
            .agg(max(TWIN_STRENGTH).as(TWIN_STRENGTH));
    // the strongest shared address already counts as this pair's ip link
    Column rest =
        lit(1.0)
            .minus(
                exp(
                    col("_log_none")
                        .minus(log(greatest(lit(1e-9), lit(1.0).minus(col("_strongest")))))));
    return perPair
        .join(gates, PAIR)
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            lit(AttributeKind.COHORT.value()).as(Cols.LINK_TYPE),
            col(Cols.ATTRIBUTE),
            greatest(rest, lit(TWIN_WEIGHT).multiply(col(TWIN_STRENGTH))).as(Cols.WEIGHT),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.EVENTS));
  }

  /**
   * Handover batches, the cohort link's third gate: two accounts that both changed hands ({@link
   * Features#handovers}) within {@code cohortDays} of each other and have since both used one
   * address below the hub size (not a mobile or campus address, where strangers are many). A ring
   * that rents aged accounts takes them over in one campaign and then works them through its own
   * residential proxies, which make each account look like its honest first owner; what slips out
   * is an exit or the operators' own line that several of the new holders use. Strangers do not
   * replace every device and network of their accounts in the same fortnight and then meet on one
   * address; the handover alone is not scored (a mobile user who replaces a phone is cut the same
   * way), but two of them meeting is a batch. The link weighs {@link #HANDOVER_WEIGHT} whatever the
   * address's own weight: the address is one a VPN's users or a neighbourhood share, and it is the
   * coincidence of the two handovers, not the address, that is the evidence.
   *
   * @param pairs the attribute pairs of {@link #attributePairs}
   * @param handovers account_id, handover_date of {@link Features#handovers}
   * @param ipInfo ip, usage_type of the window's addresses
   */
  public static Dataset<Row> handoverPairs(
      Dataset<Row> pairs, Dataset<Row> handovers, Dataset<Row> ipInfo, Params p) {
    Dataset<Row> crowded =
        ipInfo
            .filter(
                col(Cols.USAGE_TYPE).isin(UsageType.MOBILE.value(), UsageType.EDUCATION.value()))
            .select(col(Cols.IP).as(Cols.ATTRIBUTE));
    Dataset<Row> handA =
        handovers.select(col(Cols.ACCOUNT_ID).as("_ha"), col(Features.HANDOVER_DATE).as("_da"));
    Dataset<Row> handB =
        handovers.select(col(Cols.ACCOUNT_ID).as("_hb"), col(Features.HANDOVER_DATE).as("_db"));
    return pairs
        .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.IP.value()))
        .join(crowded, JavaConverters.asScalaBuffer(List.of(Cols.ATTRIBUTE)).toSeq(), "left_anti")
        .join(handA, col(Cols.ACCOUNT_A).equalTo(col("_ha")))
        .join(handB, col(Cols.ACCOUNT_B).equalTo(col("_hb")))
        // both used the address after both handovers: it is the new holders' address
        .filter(
            abs(datediff(col("_da"), col("_db")))
                .leq(p.cohortDays())
                .and(to_date(col(Cols.LAST_SEEN)).geq(greatest(col("_da"), col("_db")))))
        .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
        .agg(
            min(Cols.ATTRIBUTE).as(Cols.ATTRIBUTE),
            min(Cols.FIRST_SEEN).as(Cols.FIRST_SEEN),
            max(Cols.LAST_SEEN).as(Cols.LAST_SEEN),
            sum(Cols.EVENTS).cast("long").as(Cols.EVENTS))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            lit(AttributeKind.COHORT.value()).as(Cols.LINK_TYPE),
            col(Cols.ATTRIBUTE),
            lit(HANDOVER_WEIGHT).as(Cols.WEIGHT),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.EVENTS));
  }

  /**
   * Exit twins: pairs that share at least {@code twinMinShared} anonymising exits (each below
   * {@code pairCap} accounts) and {@code twinSurprise} times more than chance explains. Chance is
   * two strangers drawing as many distinct exits as each account used in an AS from the AS's exits
   * seen in the window: {@code sum over ASes of n_a * n_b / exits(AS)}. A ring works through its
   * own handful of exits, and its members share most of them; two honest users of a provider with
   * thousands of exits share a few popular ones. On a small provider every heavy user shares every
   * exit, so there the same overlap says nothing, and the surprise keeps it out. Addresses with no
   * AS in the IP intelligence take no part: without a provider there is no chance to compare.
   *
   * <p>A twin pair's cohort link weighs {@link #TWIN_WEIGHT} x (1 - chance / shared) when that is
   * more than its shared addresses' own noisy-or: four busy exits of a big provider are worth 0.15
   * each alone, and it is their overlap, not each address, that is the evidence.
   *
   * @param pairs the attribute pairs of {@link #attributePairs}
   * @param memberships {@link #memberships}
   * @param ipInfo ip, usage_type, asn of the window's addresses
   * @return account_a, account_b, twin_strength: 1 - chance / shared
   */
  public static Dataset<Row> exitTwins(
      Dataset<Row> pairs, Dataset<Row> memberships, Dataset<Row> ipInfo, Params p) {
    Dataset<Row> exits =
        ipInfo
            .filter(Enrichment.anonymising(col(Cols.USAGE_TYPE)).and(col(Cols.ASN).isNotNull()))
            .select(col(Cols.IP).as("_xi"), col(Cols.ASN).as("_xas"));
    Dataset<Row> exitsPerAs =
        exits.groupBy(col("_xas").as("_kas")).agg(count(lit(1)).cast("double").as("_k"));
    Dataset<Row> usedPerAs =
        memberships
            .filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()))
            .join(exits, col(Cols.ATTR_VALUE).equalTo(col("_xi")))
            .groupBy(col(Cols.ACCOUNT_ID), col("_xas"))
            .agg(count(lit(1)).cast("double").as("_n"));
    Dataset<Row> usedA =
        usedPerAs.select(
            col(Cols.ACCOUNT_ID).as("_ua"), col("_xas").as("_uas"), col("_n").as("_na"));
    Dataset<Row> usedB =
        usedPerAs.select(
            col(Cols.ACCOUNT_ID).as("_ub"), col("_xas").as("_ubs"), col("_n").as("_nb"));
    return pairs
        .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.IP.value()))
        .join(exits, col(Cols.ATTRIBUTE).equalTo(col("_xi")))
        .groupBy(col(Cols.ACCOUNT_A), col(Cols.ACCOUNT_B), col("_xas"))
        .agg(count(lit(1)).as("_s"))
        .join(usedA, col(Cols.ACCOUNT_A).equalTo(col("_ua")).and(col("_xas").equalTo(col("_uas"))))
        .join(usedB, col(Cols.ACCOUNT_B).equalTo(col("_ub")).and(col("_xas").equalTo(col("_ubs"))))
        .join(exitsPerAs, col("_xas").equalTo(col("_kas")))
        .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
        .agg(
            sum("_s").as("_shared"),
            ExactSums.sum(col("_na").multiply(col("_nb")).divide(col("_k"))).as("_chance"))
        .filter(
            col("_shared")
                .geq(p.twinMinShared())
                .and(col("_shared").geq(col("_chance").multiply(p.twinSurprise()))))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            lit(1.0).minus(col("_chance").divide(col("_shared"))).as(TWIN_STRENGTH));
  }

  /**
   * The pairs (account_a < account_b) of {@code edges} that lie on a triangle: some third account
   * is paired with both. Two strangers who signed up the same fortnight on one VPN provider are a
   * coincidence that happens; three who all share its exits pairwise are a batch. A vertex of
   * degree d makes d(d-1)/2 wedges; degrees are bounded by the attribute pairs' cap.
   */
  static Dataset<Row> inTriangle(Dataset<Row> edges) {
    Dataset<Row> both =
        edges
            .select(col(Cols.ACCOUNT_A).as("_x"), col(Cols.ACCOUNT_B).as("_y"))
            .union(edges.select(col(Cols.ACCOUNT_B).as("_x"), col(Cols.ACCOUNT_A).as("_y")));
    Dataset<Row> other = both.select(col("_x").as("_x2"), col("_y").as("_z"));
    Dataset<Row> wedges =
        both.join(other, col("_x").equalTo(col("_x2")).and(col("_y").lt(col("_z"))))
            .select(col("_y").as(Cols.ACCOUNT_A), col("_z").as(Cols.ACCOUNT_B));
    return edges.join(wedges, PAIR, "left_semi");
  }

  /**
   * Co-login: two accounts on the same IP in the same time slot, on several distinct days, and on a
   * good share of the days they were active at all. Strangers behind one busy address meet by
   * chance on some days; a shift of operators meets on most of them.
   *
   * <p>A meeting on a carrier's address counts less (strangers share a gateway's address at the
   * same moment), except for a pair that meets on at least {@link #HOTSPOT_MIN_ADDRESSES} different
   * mobile addresses: a gateway hands strangers' phones its addresses independently, so two
   * accounts that move through them together are behind one phone, laptops on its hotspot, and that
   * is a home line.
   *
   * @param meetings the window's {@link #dailyMeetings}: event_date, account_a, account_b, ip,
   *     meetings
   * @param activeDays account_id, active_days
   */
  public static Dataset<Row> coLoginPairs(
      Dataset<Row> meetings, Dataset<Row> activeDays, Dataset<Row> ipInfo, Params p) {
    // Only the pairs that pass are joined to the address kinds, each by its distinct addresses.
    // The fold is read once: grouping by its own columns brings each pair back together.
    Dataset<Row> kinds = ipInfo.select(col(Cols.IP).as("_ki"), col(Cols.USAGE_TYPE));
    Dataset<Row> perPair =
        MeetingDays.of(meetings, p.coLoginMinDays())
            .withColumn(Cols.IP, explode_outer(col(MeetingDays.ADDRESSES)))
            .join(kinds, col(Cols.IP).equalTo(col("_ki")), "left")
            .groupBy(
                Cols.ACCOUNT_A,
                Cols.ACCOUNT_B,
                MeetingDays.DAYS,
                Cols.EVENTS,
                MeetingDays.FIRST_DAY,
                MeetingDays.LAST_DAY,
                Cols.ATTRIBUTE)
            .agg(
                max(coLoginKind(col(Cols.USAGE_TYPE))).as("_address_kind"),
                // The addresses are distinct, so counting the mobile ones counts distinct ones.
                count(when(col(Cols.USAGE_TYPE).equalTo(UsageType.MOBILE.value()), lit(1)))
                    .as("_mobile_addresses"))
            .withColumn(
                "_kind",
                when(col("_mobile_addresses").geq(HOTSPOT_MIN_ADDRESSES), lit(1.0))
                    .otherwise(col("_address_kind")));
    Dataset<Row> actA =
        activeDays.select(col(Cols.ACCOUNT_ID).as("_aa"), col(Cols.ACTIVE_DAYS).as("_da"));
    Dataset<Row> actB =
        activeDays.select(col(Cols.ACCOUNT_ID).as("_ab"), col(Cols.ACTIVE_DAYS).as("_db"));
    Column share = col(MeetingDays.DAYS).divide(least(col("_da"), col("_db")));
    // 0 at or below 20 % of active days, full strength from 70 %.
    Column strength = least(lit(1.0), greatest(lit(0.0), share.minus(0.2).divide(0.5)));
    return perPair
        .join(actA, col(Cols.ACCOUNT_A).equalTo(col("_aa")))
        .join(actB, col(Cols.ACCOUNT_B).equalTo(col("_ab")))
        .withColumn(Cols.WEIGHT, lit(0.85).multiply(strength).multiply(col("_kind")))
        .filter(col(Cols.WEIGHT).gt(0))
        .select(
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            lit(AttributeKind.CO_LOGIN.value()).as(Cols.LINK_TYPE),
            col(Cols.ATTRIBUTE),
            col(Cols.WEIGHT),
            col(MeetingDays.FIRST_DAY).cast("timestamp").as(Cols.FIRST_SEEN),
            col(MeetingDays.LAST_DAY).cast("timestamp").as(Cols.LAST_SEEN),
            col(Cols.EVENTS));
  }

  /**
   * The co-login meetings of each day: event_date, account_a, account_b, ip, meetings (the slots
   * the two shared on that address that day). A day's meetings depend on that day's time slots
   * alone, so they are rolled up once, when the day is, and a night reads its window's days instead
   * of joining 30 days of slots again.
   *
   * @param slots {@link Rollups#ipSlots} of the days to roll up
   */
  public static Dataset<Row> dailyMeetings(Dataset<Row> slots, int pairCap) {
    return slotMeetings(slots, pairCap)
        .groupBy(
            col("_d").as(Cols.EVENT_DATE),
            col(Cols.ACCOUNT_A),
            col(Cols.ACCOUNT_B),
            col("_i").as(Cols.IP))
        .agg(count(lit(1)).as(Cols.MEETINGS));
  }

  /**
   * Pairs of accounts in the same (day, ip, slot) where the slot holds at most pairCap accounts:
   * account_a, account_b, _d (day), _i (ip), _s (slot).
   */
  static Dataset<Row> slotMeetings(Dataset<Row> slots, int pairCap) {
    // The slot's size by a window count: the self-join below reuses its partitioning, so the
    // slots are shuffled once rather than three times.
    Dataset<Row> small =
        slots
            .withColumn(
                "_n",
                count(lit(1))
                    .over(Window.partitionBy(col(Cols.EVENT_DATE), col(Cols.IP), col(Cols.SLOT))))
            .filter(col("_n").geq(2).and(col("_n").leq(pairCap)))
            .select(col(Cols.EVENT_DATE), col(Cols.IP), col(Cols.SLOT), col(Cols.ACCOUNT_ID));
    Dataset<Row> left =
        small.select(
            col(Cols.EVENT_DATE).as("_d"),
            col(Cols.IP).as("_i"),
            col(Cols.SLOT).as("_s"),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_A));
    Dataset<Row> right =
        small.select(
            col(Cols.EVENT_DATE).as("_d2"),
            col(Cols.IP).as("_i2"),
            col(Cols.SLOT).as("_s2"),
            col(Cols.ACCOUNT_ID).as(Cols.ACCOUNT_B));
    return left.join(
            right,
            col("_d")
                .equalTo(col("_d2"))
                .and(col("_i").equalTo(col("_i2")))
                .and(col("_s").equalTo(col("_s2")))
                .and(col(Cols.ACCOUNT_A).lt(col(Cols.ACCOUNT_B))))
        .select(col(Cols.ACCOUNT_A), col(Cols.ACCOUNT_B), col("_d"), col("_i"), col("_s"));
  }

  /**
   * One weight per account pair: the noisy-or of its links, 1 - prod(1 - w), so independent pieces
   * of evidence add up but never pass 1.
   */
  public static Dataset<Row> pairWeights(Dataset<Row> links) {
    Dataset<Row> strongestPerType =
        links
            .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B, Cols.LINK_TYPE)
            .agg(max(Cols.WEIGHT).as(Cols.WEIGHT));
    return strongestPerType
        .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
        .agg(
            lit(1.0)
                .minus(
                    exp(ExactSums.sum(log(greatest(lit(1e-9), lit(1.0).minus(col(Cols.WEIGHT)))))))
                .as(Cols.WEIGHT));
  }

  /**
   * Hubs of a strong kind that are too big to pair but small enough to be one operation, less the
   * addresses that behave like a commercial VPN exit ({@link Exits#relayAddresses}).
   *
   * @param memberships {@link #memberships}
   * @param ipInfo ip, usage_type, ip_country of the window's addresses
   * @param accounts account_id, claimed_country
   */
  public static Dataset<Row> starHubs(
      Dataset<Row> memberships, Dataset<Row> ipInfo, Dataset<Row> accounts, Params p) {
    Column strongKind =
        col(Cols.ATTR_TYPE)
            .isin(AttributeKind.DEVICE.value(), AttributeKind.PAYOUT.value())
            .or(
                col(Cols.ATTR_TYPE)
                    .equalTo(AttributeKind.IP.value())
                    .and(
                        coalesce(col(Cols.USAGE_TYPE), lit(NO_USAGE))
                            .isin(
                                UsageType.RESIDENTIAL.value(),
                                UsageType.HOSTING.value(),
                                NO_USAGE)));
    Dataset<Row> candidates =
        memberships
            .filter(col(Cols.N_ACCOUNTS).gt(p.pairCap()).and(col(Cols.N_ACCOUNTS).leq(p.starMax())))
            .filter(strongKind)
            .select(
                col(Cols.ATTR_TYPE),
                col(Cols.ATTR_VALUE),
                col(Cols.ACCOUNT_ID),
                col(Cols.N_ACCOUNTS),
                col(Cols.FIRST_SEEN),
                col(Cols.LAST_SEEN),
                col(Cols.LOGINS));
    // A commercial exit, not one operation: intelligence often has no range for a VPN exit, or
    // sells it as residential, and then its hundreds of users would become one star (at 1M
    // accounts, 30 of 31 address stars were such exits, gluing honest VPN users to the rings that
    // shared them). Only star-sized addresses are judged alone; see Exits for why.
    Dataset<Row> relays =
        Exits.relayAddresses(
            candidates.filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value())),
            memberships,
            ipInfo,
            accounts);
    return candidates.join(
        relays,
        col(Cols.ATTR_TYPE)
            .equalTo(lit(AttributeKind.IP.value()))
            .and(col(Cols.ATTR_VALUE).equalTo(relays.col(Exits.EXIT_KEY))),
        "left_anti");
  }

  /** A cohort star needs at least this many accounts made in one batch on the address ... */
  static final long COHORT_STAR_MIN_BATCH = 4;

  /** ... and the batch must be at least this share of the address's accounts. */
  static final double COHORT_STAR_MIN_SHARE = 1.0 / 3;

  /**
   * Cohort stars: on one address below the hub size (residential, hosting, business or unlabelled),
   * a batch of at least {@link #COHORT_STAR_MIN_BATCH} accounts created within {@code cohortDays}
   * of each other, at least a third of the address's accounts, claiming at least two countries and
   * nearly all ({@link Exits#MIN_FOREIGN_SHARE}) other than the address's. The batch joins as one
   * star vertex. It is the trace a proxy ring leaves: each identity works through a residential
   * proxy of its own in the country it claims, so no two share an address for long, but a batch of
   * them made in one fortnight slips out through the operators' own line now and then; one such
   * address links no pair strongly (21 accounts: 0.5 each), and the batch is what strangers on an
   * address abroad, made months or years apart, do not have. Mobile, campus and anonymising
   * addresses are left out: there strangers are many, and exits have their own test ({@link
   * #exitTwins}).
   *
   * @param memberships {@link #memberships}
   * @param ipInfo ip, ip_country of the window's addresses
   * @param accounts account_id, created_at, claimed_country
   * @return rows in the shape of {@link #starHubs}, attr_type {@code cohort}, attr_value the
   *     address
   */
  public static Dataset<Row> cohortStars(
      Dataset<Row> memberships, Dataset<Row> ipInfo, Dataset<Row> accounts, Params p) {
    Dataset<Row> made =
        accounts
            .filter(col(Cols.CREATED_AT).isNotNull())
            .select(
                col(Cols.ACCOUNT_ID).as("_macc"),
                col(Cols.CREATED_AT).cast("long").as("_t"),
                col(Cols.CLAIMED_COUNTRY));
    Dataset<Row> countries = ipInfo.select(col(Cols.IP).as("_sip"), col(Cols.IP_COUNTRY));
    Dataset<Row> on =
        memberships
            .filter(
                col(Cols.ATTR_TYPE)
                    .equalTo(AttributeKind.IP.value())
                    .and(col(Cols.N_ACCOUNTS).geq(COHORT_STAR_MIN_BATCH))
                    .and(col(Cols.N_ACCOUNTS).leq(p.pairCap()))
                    .and(
                        coalesce(col(Cols.USAGE_TYPE), lit(NO_USAGE))
                            .isin(
                                UsageType.RESIDENTIAL.value(),
                                UsageType.HOSTING.value(),
                                UsageType.BUSINESS.value(),
                                NO_USAGE)))
            .select(
                col(Cols.ATTR_VALUE),
                col(Cols.ACCOUNT_ID),
                col(Cols.N_ACCOUNTS),
                col(Cols.FIRST_SEEN),
                col(Cols.LAST_SEEN),
                col(Cols.LOGINS))
            .join(made, col(Cols.ACCOUNT_ID).equalTo(col("_macc")))
            .join(countries, col(Cols.ATTR_VALUE).equalTo(col("_sip")), "left");
    long span = p.cohortDays() * 86_400L;
    // Per address the batch: the members made within the window after one member, the largest
    // such set (the earliest on a tie, so reruns agree).
    Dataset<Row> anchors =
        on.withColumn(
                "_batch",
                count(lit(1))
                    .over(
                        Window.partitionBy(col(Cols.ATTR_VALUE))
                            .orderBy(col("_t"))
                            .rangeBetween(0, span)))
            .groupBy(col(Cols.ATTR_VALUE).as("_aip"))
            .agg(max(struct(col("_batch"), col("_t").unary_$minus().as("_neg_t"))).as("_best"))
            .select(
                col("_aip"),
                col("_best").getField("_batch").as("_batch"),
                col("_best").getField("_neg_t").unary_$minus().as("_from"));
    Dataset<Row> batch =
        on.join(anchors, col(Cols.ATTR_VALUE).equalTo(col("_aip")))
            .filter(
                col("_batch")
                    .geq(COHORT_STAR_MIN_BATCH)
                    .and(col("_batch").geq(col(Cols.N_ACCOUNTS).multiply(COHORT_STAR_MIN_SHARE)))
                    .and(col("_t").between(col("_from"), col("_from").plus(span))));
    Dataset<Row> abroad =
        batch
            .groupBy(col(Cols.ATTR_VALUE).as("_fip"))
            .agg(
                countDistinct(col(Cols.CLAIMED_COUNTRY)).as("_claims"),
                // 0/1 values: a plain avg is exact in any order
                avg(Exits.claimsAnotherCountry()).as("_foreign"))
            .filter(col("_claims").geq(2).and(col("_foreign").geq(Exits.MIN_FOREIGN_SHARE)));
    return batch
        .join(abroad, col(Cols.ATTR_VALUE).equalTo(col("_fip")), "left_semi")
        .select(
            lit(AttributeKind.COHORT.value()).as(Cols.ATTR_TYPE),
            col(Cols.ATTR_VALUE),
            col(Cols.ACCOUNT_ID),
            col("_batch").as(Cols.N_ACCOUNTS),
            col(Cols.FIRST_SEEN),
            col(Cols.LAST_SEEN),
            col(Cols.LOGINS));
  }
}
