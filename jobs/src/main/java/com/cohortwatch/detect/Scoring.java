package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.schema.RiskTier;
import com.cohortwatch.values.UtcOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * The risk model applied: cluster features from the members' account features and the shared
 * infrastructure, the model's named inputs ({@link ModelInputs}, each in [0, 1]) for every cluster
 * and account, the logistic of the fitted linear logit ({@link RiskModel}), and reasons: every
 * reason code whose inputs add at least {@link #REASON_MIN_CONTRIBUTION} to the logit, with the
 * cluster's or the account's own numbers. See docs/MODEL.md.
 */
public final class Scoring {
  private Scoring() {}

  /** Reasons are listed for codes adding at least this much to the logit, either way. */
  static final double REASON_MIN_CONTRIBUTION = 0.4;

  /** Claimed timezones that only one member claims. */
  public static final String LONE_TIMEZONES = "claimed_timezones_alone";

  public static final String TZ_SHARE = "tz_mismatch_share";
  public static final String HOME_SHARE = "home_share";
  public static final String AGENCY_SHARE = "agency_share";
  public static final String MAX_DEVICE_MEMBERS = "max_accounts_per_device";
  public static final String MAX_PAYOUT_MEMBERS = "max_accounts_per_payout";
  public static final String CROWD_IP = "crowd_ip";

  /** The most members on one mobile address on one day: laptops on one phone's hotspot. */
  public static final String MAX_HOTSPOT_MEMBERS = "max_accounts_per_hotspot";

  /** That mobile address. */
  public static final String HOTSPOT_IP = "hotspot_ip";

  public static final String FAR_ABROAD_SHARE = "far_shift_abroad_share";
  public static final String FAR_HIDDEN_SHARE = "far_shift_hidden_share";
  public static final String HIDDEN_ABROAD_SHARE = "hidden_abroad_share";
  public static final String HANDED_OVER_SHARE = "handed_over_share";
  public static final String HANDED_OVER_HIDDEN_SHARE = "handed_over_hidden_share";
  public static final String LOGIT = "logit";

  /** The model's own logit, before review feedback moved it. */
  public static final String MODEL_LOGIT = "model_logit";

  public static final String MODEL_INPUTS = ModelInputs.COLUMN;
  public static final String ATTACHMENT = "attachment";

  /**
   * Per clustered account: 1.0 when created (or handed over) within the cluster's densest 21 days.
   */
  public static final String IN_BURST = "in_burst";

  /** Per clustered account: 1.0 when it works the cluster's far shift. */
  public static final String ON_SHIFT = "on_shift";

  /** Per clustered account: 1.0 when another member of its cluster uses one of its devices. */
  public static final String SHARES_DEVICE = "shares_device";

  /** Per clustered account: 1.0 when another member of its cluster uses one of its payouts. */
  public static final String SHARES_PAYOUT = "shares_payout";

  /** The creation burst's window. */
  static final long BURST_DAYS = 21;

  static Column clamp01(Column c) {
    return least(lit(1.0), greatest(lit(0.0), coalesce(c, lit(0.0))));
  }

  static Column safeDiv(Column a, Column b) {
    return when(b.gt(0), a.divide(b)).otherwise(lit(0.0));
  }

  /**
   * Cluster features from its members' account features, the shared infrastructure, co-login links
   * and the members' days on mobile addresses.
   *
   * @param mobileDays account_id, attr_value (the address), event_date: a day's logins from a
   *     mobile address
   */
  public static Dataset<Row> clusterFeatures(
      Dataset<Row> members,
      Dataset<Row> accountFeatures,
      Dataset<Row> memberships,
      Dataset<Row> links,
      Dataset<Row> mobileDays) {
    String comp = Clustering.COMPONENT;
    Dataset<Row> m = members.join(accountFeatures, Cols.ACCOUNT_ID);
    Column created = unix_seconds(col(Cols.CREATED_AT));
    Dataset<Row> base =
        m.groupBy(col(comp))
            .agg(
                count(lit(1)).as(Cols.SIZE),
                countDistinct(Cols.CLAIMED_COUNTRY).as(Cols.CLAIMED_COUNTRIES_COUNT),
                array_sort(collect_set(Cols.CLAIMED_COUNTRY)).as(Cols.CLAIMED_COUNTRIES),
                countDistinct(Cols.CLAIMED_TIMEZONE).as(Cols.CLAIMED_TIMEZONES_COUNT),
                collect_list(Cols.CLAIMED_TIMEZONE).as("_zones"),
                ExactSums.avg(col(Cols.TZ_MISMATCH)).as(TZ_SHARE),
                Features.summedHours(Cols.HOURS).as(Cols.HOURS),
                percentile_approx(created, lit(0.1), lit(1000)).as("_c10"),
                percentile_approx(created, lit(0.9), lit(1000)).as("_c90"),
                count(col(Cols.CREATED_AT)).as("_n_created"),
                safeDiv(sum(Features.ANON_LOGINS), sum(Cols.LOGINS)).as(Cols.ANONYMISED_SHARE),
                safeDiv(sum(Features.FOREIGN_LOGINS), sum(Features.NONANON_KNOWN_LOGINS))
                    .as(Cols.FOREIGN_SHARE),
                safeDiv(sum(Features.HOME_LOGINS), sum(Cols.LOGINS)).as(HOME_SHARE),
                ExactSums.avg(ownValue(ModelInputs.OWN_FAR_SHIFT_ABROAD)).as(FAR_ABROAD_SHARE),
                ExactSums.avg(ownValue(ModelInputs.OWN_FAR_SHIFT_HIDDEN)).as(FAR_HIDDEN_SHARE),
                ExactSums.avg(ownValue(ModelInputs.OWN_HIDDEN_ABROAD)).as(HIDDEN_ABROAD_SHARE),
                ExactSums.avg(ownValue(ModelInputs.OWN_HANDED_OVER)).as(HANDED_OVER_SHARE),
                ExactSums.avg(ownValue(ModelInputs.OWN_HANDED_OVER_HIDDEN))
                    .as(HANDED_OVER_HIDDEN_SHARE),
                // 0/1 values: a plain avg is exact in any order
                avg(when(col(Cols.PROFILE_TYPE).equalTo("agency_member"), 1.0).otherwise(0.0))
                    .as(AGENCY_SHARE))
            .withColumn(
                Cols.CREATED_SPAN_DAYS,
                when(col("_n_created").geq(3), col("_c90").minus(col("_c10")).divide(86400.0)))
            .withColumn(LONE_TIMEZONES, loneTimezones(col("_zones")))
            .drop("_c10", "_c90", "_n_created", "_zones");

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
            .filter(col(Cols.ATTR_TYPE).notEqual(AttributeKind.SUBNET.value()));
    Column residential =
        col(Cols.ATTR_TYPE)
            .equalTo(AttributeKind.IP.value())
            .and(Enrichment.residentialOrUnlabelled(col(Cols.USAGE_TYPE)));
    Dataset<Row> infra =
        shared
            .groupBy(col(comp).as("_ic"))
            .agg(
                count(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()), 1))
                    .as(Cols.SHARED_IPS),
                count(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.DEVICE.value()), 1))
                    .as(Cols.SHARED_DEVICES),
                count(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.PAYOUT.value()), 1))
                    .as(Cols.SHARED_PAYOUT_METHODS),
                max(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.DEVICE.value()), col("_in")))
                    .as(MAX_DEVICE_MEMBERS),
                max(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.PAYOUT.value()), col("_in")))
                    .as(MAX_PAYOUT_MEMBERS),
                max(when(residential, col("_in"))).as(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP),
                // The most crowded residential IP; on a tie the greatest address, not whichever
                // row came first (max_by keeps the first of equals: partitioning-dependent).
                max(struct(
                        when(residential, col("_in")).otherwise(lit(-1L)).as("_k"),
                        col(Cols.ATTR_VALUE).as("_v")))
                    .getField("_v")
                    .as(CROWD_IP),
                ExactSums.avg(col("_in").divide(col(Cols.N_ACCOUNTS)))
                    .as(Cols.INFRASTRUCTURE_EXCLUSIVITY));

    Dataset<Row> coLogin =
        links
            .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.CO_LOGIN.value()))
            .select(col(Cols.ACCOUNT_A).as(Cols.ACCOUNT_ID))
            .union(
                links
                    .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.CO_LOGIN.value()))
                    .select(col(Cols.ACCOUNT_B)))
            .distinct()
            .join(members, Cols.ACCOUNT_ID)
            .groupBy(col(comp).as("_cc"))
            .agg(count(lit(1)).as(Cols.CO_LOGIN_MEMBERS));

    Dataset<Row> fitted =
        base.join(infra, col(comp).equalTo(col("_ic")), "left")
            .drop("_ic")
            .join(coLogin, col(comp).equalTo(col("_cc")), "left")
            .drop("_cc")
            .withColumn(
                "_fit",
                Features.workingHoursFit(java.time.LocalDate.of(2000, 1, 1))
                    .apply(col(Cols.HOURS), lit(null).cast("string")))
            .withColumn(Cols.WORKING_HOURS_OFFSET, col("_fit." + Features.BEST_OFFSET))
            .withColumn(Cols.WORKING_HOURS_FIT, col("_fit." + Features.BEST_FIT))
            .withColumn(
                Cols.WORKING_HOURS_TIMEZONE,
                udf(
                        (UDF1<Integer, String>) o -> o == null ? null : UtcOffset.label(o),
                        DataTypes.StringType)
                    .apply(col(Cols.WORKING_HOURS_OFFSET)))
            .drop("_fit");
    fitted =
        fitted
            .join(hotspots(members, mobileDays), col(comp).equalTo(col("_hc")), "left")
            .drop("_hc")
            .join(creationBursts(m), col(comp).equalTo(col("_bc")), "left")
            .drop("_bc")
            .join(sharedShifts(m, fitted), col(comp).equalTo(col("_sc")), "left")
            .drop("_sc")
            .withColumn(Cols.SHARED_SHIFT_SHARE, coalesce(col(Cols.SHARED_SHIFT_SHARE), lit(0.0)));
    for (String c :
        new String[] {
          Cols.SHARED_IPS,
          Cols.SHARED_DEVICES,
          Cols.SHARED_PAYOUT_METHODS,
          MAX_DEVICE_MEMBERS,
          MAX_PAYOUT_MEMBERS,
          Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP,
          MAX_HOTSPOT_MEMBERS,
          Cols.CO_LOGIN_MEMBERS,
          Cols.MAX_CREATED_WITHIN_21_DAYS
        }) {
      fitted = fitted.withColumn(c, coalesce(col(c), lit(0L)));
    }
    return fitted;
  }

  /**
   * The most members of each cluster on one mobile address on one day, and that address (the
   * greatest on a tie). Laptops on one phone's hotspot all take the address the carrier gives the
   * phone that day; a gateway hands strangers' phones its addresses independently, so a few members
   * of one cluster rarely land on the same one on the same day by chance.
   *
   * @return _hc (the cluster), {@link #MAX_HOTSPOT_MEMBERS}, {@link #HOTSPOT_IP}
   */
  static Dataset<Row> hotspots(Dataset<Row> members, Dataset<Row> mobileDays) {
    return mobileDays
        .join(members, Cols.ACCOUNT_ID)
        .groupBy(col(Clustering.COMPONENT), col(Cols.ATTR_VALUE), col(Cols.EVENT_DATE))
        .agg(countDistinct(Cols.ACCOUNT_ID).as("_n"))
        .groupBy(col(Clustering.COMPONENT).as("_hc"))
        .agg(max(struct(col("_n"), col(Cols.ATTR_VALUE))).as("_top"))
        .select(
            col("_hc"),
            col("_top._n").as(MAX_HOTSPOT_MEMBERS),
            col("_top." + Cols.ATTR_VALUE).as(HOTSPOT_IP));
  }

  /**
   * When the account came into its current holder's hands, in epoch seconds: the day it changed
   * hands if it did in the window, else its creation. Accounts an operation buys or rents were made
   * years apart by their first owners, but reach the operation together, as new ones do.
   */
  static Column acquiredSeconds() {
    return coalesce(
        unix_seconds(col(Features.HANDOVER_DATE).cast("timestamp")),
        unix_seconds(col(Cols.CREATED_AT)));
  }

  /**
   * The most members created, or handed to their current holder, within any 21 days: a burst that
   * survives when several rings, or a ring and a few older accounts, share one cluster (a
   * percentile span does not).
   */
  static Dataset<Row> creationBursts(Dataset<Row> membersWithFeatures) {
    return acquiredWithin(membersWithFeatures)
        .groupBy(col(Clustering.COMPONENT).as("_bc"))
        .agg(max("_in21").as(Cols.MAX_CREATED_WITHIN_21_DAYS));
  }

  /**
   * Members with an {@link #acquiredSeconds} date, each with {@code _in21}: the members acquired in
   * its 21 days.
   */
  private static Dataset<Row> acquiredWithin(Dataset<Row> membersWithFeatures) {
    return membersWithFeatures
        .filter(acquiredSeconds().isNotNull())
        .withColumn(
            "_in21",
            count(lit(1))
                .over(
                    Window.partitionBy(col(Clustering.COMPONENT))
                        .orderBy(acquiredSeconds())
                        .rangeBetween(0, BURST_DAYS * 86_400L)));
  }

  /**
   * The share of members who work one shift far from their claims: whose best working-hours offset
   * is within an hour of the cluster's and at least 4 hours from their own claimed timezone (with
   * enough logins to tell). A merged cluster of rings on different shifts keeps its largest shift.
   */
  static Dataset<Row> sharedShifts(Dataset<Row> membersWithFeatures, Dataset<Row> clusterOffsets) {
    return onClusterShift(membersWithFeatures, clusterOffsets)
        .groupBy(col(Clustering.COMPONENT).as("_sc"))
        .agg(avg(col(ON_SHIFT)).as(Cols.SHARED_SHIFT_SHARE));
  }

  /** Per member, 1.0 when it works the cluster's far shift (see {@link #sharedShifts}), else 0. */
  private static Dataset<Row> onClusterShift(
      Dataset<Row> membersWithFeatures, Dataset<Row> clusterOffsets) {
    String comp = Clustering.COMPONENT;
    org.apache.spark.sql.expressions.UserDefinedFunction distance =
        udf(
            (UDF2<Integer, Integer, Integer>)
                (a, b) -> a == null || b == null ? 99 : WorkingHours.distance(a, b),
            DataTypes.IntegerType);
    Dataset<Row> offsets =
        clusterOffsets.select(
            col(comp).as("_sc"), col(Cols.WORKING_HOURS_OFFSET).as("_cluster_offset"));
    Column agrees =
        col(Cols.LOGINS)
            .geq(Features.MIN_LOGINS_FOR_HOURS)
            .and(distance.apply(col(Features.BEST_OFFSET), col("_cluster_offset")).leq(1))
            .and(
                distance
                    .apply(col(Features.BEST_OFFSET), col(Features.CLAIMED_OFFSET))
                    .between(4, 12));
    return membersWithFeatures
        .join(offsets, col(comp).equalTo(col("_sc")))
        .select(col(comp), col(Cols.ACCOUNT_ID), when(agrees, 1.0).otherwise(0.0).as(ON_SHIFT));
  }

  /**
   * Per clustered account, whether it shares the cluster's group traits itself: {@link #IN_BURST}
   * (created or handed over within the cluster's densest 21 days, the earliest such window on a
   * tie), {@link #ON_SHIFT} (works the cluster's far shift), {@link #SHARES_DEVICE} and {@link
   * #SHARES_PAYOUT} (is on a device or payout method another member uses). A member inherits the
   * cluster's burst, shift, device and payout evidence only when it has the trait: an old VPN user
   * whom a mislabelled exit pulled into a ring's cluster was not created with the ring, works her
   * own hours and is paid to her own account.
   *
   * @param members account_id and component of every clustered account
   * @param accountFeatures the account features (created_at, logins, offsets)
   * @param clusterFeatures {@link #clusterFeatures}'s rows (component and working offset)
   * @param memberships who was on which attribute ({@link Links#memberships})
   */
  public static Dataset<Row> memberTraits(
      Dataset<Row> members,
      Dataset<Row> accountFeatures,
      Dataset<Row> clusterFeatures,
      Dataset<Row> memberships) {
    String comp = Clustering.COMPONENT;
    Dataset<Row> m = members.join(accountFeatures, Cols.ACCOUNT_ID);
    Column acquired = acquiredSeconds();
    Dataset<Row> windowStart =
        acquiredWithin(m)
            .groupBy(col(comp).as("_wc"))
            .agg(max(struct(col("_in21"), lit(0L).minus(acquired).as("_neg_start"))).as("_best"))
            .select(col("_wc"), lit(0L).minus(col("_best._neg_start")).as("_start"));
    Column inBurst =
        acquired.geq(col("_start")).and(acquired.leq(col("_start").plus(BURST_DAYS * 86_400L)));
    Dataset<Row> burst =
        m.join(windowStart, col(comp).equalTo(col("_wc")), "left")
            .select(
                col(Cols.ACCOUNT_ID).as("_ba"),
                when(coalesce(inBurst, lit(false)), 1.0).otherwise(0.0).as(IN_BURST));
    Dataset<Row> shift =
        onClusterShift(m, clusterFeatures.select(col(comp), col(Cols.WORKING_HOURS_OFFSET)))
            .select(col(Cols.ACCOUNT_ID).as("_sa"), col(ON_SHIFT));
    // devices and payout methods this member shares with another member of its cluster
    Dataset<Row> onMembers =
        memberships
            .filter(
                col(Cols.ATTR_TYPE)
                    .isin(AttributeKind.DEVICE.value(), AttributeKind.PAYOUT.value()))
            .select(col(Cols.ACCOUNT_ID), col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE))
            .join(members.select(col(Cols.ACCOUNT_ID), col(comp)), Cols.ACCOUNT_ID);
    Dataset<Row> sharedValues =
        onMembers
            .groupBy(
                col(comp).as("_vc"), col(Cols.ATTR_TYPE).as("_vt"), col(Cols.ATTR_VALUE).as("_vv"))
            .agg(countDistinct(Cols.ACCOUNT_ID).as("_vn"))
            .filter(col("_vn").geq(2));
    Dataset<Row> sharing =
        onMembers
            .join(
                sharedValues,
                col(comp)
                    .equalTo(col("_vc"))
                    .and(col(Cols.ATTR_TYPE).equalTo(col("_vt")))
                    .and(col(Cols.ATTR_VALUE).equalTo(col("_vv"))))
            .groupBy(col(Cols.ACCOUNT_ID).as("_ha"))
            .agg(
                max(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.DEVICE.value()), 1.0)
                        .otherwise(0.0))
                    .as(SHARES_DEVICE),
                max(when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.PAYOUT.value()), 1.0)
                        .otherwise(0.0))
                    .as(SHARES_PAYOUT));
    return burst
        .join(shift, col("_ba").equalTo(col("_sa")), "left")
        .join(sharing, col("_ba").equalTo(col("_ha")), "left")
        .select(
            col("_ba").as(Cols.ACCOUNT_ID),
            col(IN_BURST),
            coalesce(col(ON_SHIFT), lit(0.0)).as(ON_SHIFT),
            coalesce(col(SHARES_DEVICE), lit(0.0)).as(SHARES_DEVICE),
            coalesce(col(SHARES_PAYOUT), lit(0.0)).as(SHARES_PAYOUT));
  }

  /** What one code says, in a cluster's words and (for own evidence) in the account's. */
  private static Column clusterText(String code) {
    Column size = col(Cols.SIZE);
    return switch (code) {
      case "TZ_MISMATCH" ->
          format_string(
              "logins fit a %s working day (%d %%), not the members' claimed timezones",
              col(Cols.WORKING_HOURS_TIMEZONE), percent(col(Cols.WORKING_HOURS_FIT)));
      case "ANONYMISED_INFRA" ->
          format_string(
              "%d %% of logins from hosting, VPN or Tor addresses",
              percent(col(Cols.ANONYMISED_SHARE)));
      case "FOREIGN_IP" ->
          format_string(
              "%d %% of non-VPN logins come from outside the claimed countries",
              percent(col(Cols.FOREIGN_SHARE)));
      case "CONSISTENT_IDENTITY" ->
          format_string(
              "%d %% of logins come from ordinary networks in the claimed countries",
              percent(col(HOME_SHARE)));
      case "FAR_SHIFT_FROM_ABROAD" ->
          format_string(
              "members work a far-away %s shift from outside their claimed countries",
              col(Cols.WORKING_HOURS_TIMEZONE));
      case "FAR_SHIFT_BEHIND_VPN" ->
          format_string(
              "members work a far-away %s shift through hosting or VPN addresses",
              col(Cols.WORKING_HOURS_TIMEZONE));
      case "HIDDEN_ABROAD" ->
          format_string(
              "members log in mostly through hosting or VPN addresses (%d %%) and the rest from"
                  + " outside their claimed countries (%d %%)",
              percent(col(Cols.ANONYMISED_SHARE)), percent(col(Cols.FOREIGN_SHARE)));
      case "HANDED_OVER" ->
          format_string(
              "%d %% of members changed hands in the window (every device and network new at once)"
                  + " and log in through hosting or VPN addresses since",
              percent(col(HANDED_OVER_SHARE)));
      case "SHARED_INFRASTRUCTURE" ->
          format_string("%d accounts are linked by shared infrastructure", size);
      case "IDENTITY_SPREAD" ->
          format_string(
              "%d accounts sharing infrastructure claim %d countries (%s) and %d timezones",
              size,
              col(Cols.CLAIMED_COUNTRIES_COUNT),
              array_join(col(Cols.CLAIMED_COUNTRIES), ", "),
              col(Cols.CLAIMED_TIMEZONES_COUNT));
      case "SHARED_SHIFT" ->
          format_string(
              "%d %% of members work the same %s shift, at least 4 hours from the timezone each"
                  + " claims",
              percent(col(Cols.SHARED_SHIFT_SHARE)), col(Cols.WORKING_HOURS_TIMEZONE));
      case "CREATION_BURST" ->
          format_string(
              "%d of the %d accounts were created%s within 21 days",
              col(Cols.MAX_CREATED_WITHIN_21_DAYS),
              size,
              when(col(HANDED_OVER_SHARE).gt(0), lit(" or changed hands")).otherwise(lit("")));
      case "SHARED_DEVICE" ->
          format_string(
              "a device is shared by %d accounts of the cluster (%d shared devices)",
              col(MAX_DEVICE_MEMBERS), col(Cols.SHARED_DEVICES));
      case "SHARED_PAYOUT" ->
          format_string(
              "a payout method is shared by %d accounts of the cluster", col(MAX_PAYOUT_MEMBERS));
      case "RESIDENTIAL_CROWD" ->
          format_string(
              "%s is used by %d accounts of the cluster (a household has a few)",
              homeLine(), homeLineMembers());
      case "HOME_FARM" ->
          format_string(
              "%d accounts log in together from %s, each on a device of its own (a family shares"
                  + " its laptop)",
              homeLineMembers(), homeLine());
      case "CO_LOGIN" ->
          format_string(
              "%d of %d accounts log in from the same address within minutes of each other on many"
                  + " days",
              col(Cols.CO_LOGIN_MEMBERS), size);
      case "AGENCY_PROFILE" ->
          format_string(
              "%d %% of members are registered agency members paid through the agency",
              percent(col(AGENCY_SHARE)));
      default -> throw new IllegalArgumentException("no cluster text for " + code);
    };
  }

  private static Column accountText(String code) {
    Column shift =
        udf(
                (UDF1<Integer, String>) o -> o == null ? null : UtcOffset.label(o),
                DataTypes.StringType)
            .apply(col(Features.BEST_OFFSET));
    Column claimedCountry = coalesce(col(Cols.CLAIMED_COUNTRY), lit("?"));
    return switch (code) {
      case "TZ_MISMATCH" ->
          format_string(
              "%d %% of logins fit a %s working day; claims %s (%s)",
              percent(col(Features.BEST_FIT)),
              shift,
              col(Cols.CLAIMED_TIMEZONE),
              udf(
                      (UDF1<Integer, String>) o -> o == null ? "?" : UtcOffset.label(o),
                      DataTypes.StringType)
                  .apply(col(Features.CLAIMED_OFFSET)));
      case "ANONYMISED_INFRA" ->
          format_string(
              "%d %% of the account's logins from hosting, VPN or Tor addresses",
              percent(anonShare()));
      case "FOREIGN_IP" ->
          format_string(
              "%d %% of non-VPN logins from outside the claimed country %s",
              percent(foreignShare()), claimedCountry);
      case "CONSISTENT_IDENTITY" ->
          format_string(
              "%d %% of logins from ordinary networks in the claimed country",
              percent(homeShare()));
      case "FAR_SHIFT_FROM_ABROAD" ->
          format_string(
              "works a far-away %s shift from outside the claimed country %s (%d %% of non-VPN"
                  + " logins)",
              shift, claimedCountry, percent(foreignShare()));
      case "FAR_SHIFT_BEHIND_VPN" ->
          format_string(
              "works a far-away %s shift through hosting or VPN addresses (%d %% of logins)",
              shift, percent(anonShare()));
      case "HIDDEN_ABROAD" ->
          format_string(
              "%d %% of logins through hosting or VPN addresses and %d %% of the rest from outside"
                  + " the claimed country %s",
              percent(anonShare()), percent(foreignShare()), claimedCountry);
      case "HANDED_OVER" ->
          // the reasons' prefix already names the handover date
          format_string("%d %% of logins through hosting or VPN addresses", percent(anonShare()));
      default -> throw new IllegalArgumentException("no account text for " + code);
    };
  }

  private static Column handedOver() {
    return when(col(Features.HANDOVER_DATE).isNotNull(), lit(1.0)).otherwise(lit(0.0));
  }

  private static Column percent(Column share) {
    return round(coalesce(share, lit(0.0)).multiply(100)).cast("int");
  }

  private static Column anonShare() {
    return clamp01(safeDiv(col(Features.ANON_LOGINS), col(Cols.LOGINS)));
  }

  private static Column foreignShare() {
    return clamp01(safeDiv(col(Features.FOREIGN_LOGINS), col(Features.NONANON_KNOWN_LOGINS)));
  }

  private static Column homeShare() {
    return clamp01(safeDiv(col(Features.HOME_LOGINS), col(Cols.LOGINS)));
  }

  /**
   * The timezones of a cluster's claimed-timezone list that only one member claims (a quadratic
   * count, bounded by {@code cluster.max-size} members).
   */
  static Column loneTimezones(Column zones) {
    return size(
        filter(array_distinct(zones), z -> size(filter(zones, y -> y.equalTo(z))).equalTo(1)));
  }

  /**
   * max((claimed countries - 1) / 2, (claimed timezones - 1 - [a zone only one member claims]) /
   * 3), capped at 1. One member's zone of its own is set aside: a mover, a traveller, or a stranger
   * on a carrier's gateway that serves several zones claims where it lives, and two strangers on
   * one address are no team because their claims differ by a zone. Countries are not set aside.
   */
  static Column identitySpread() {
    return clamp01(
        greatest(
            col(Cols.CLAIMED_COUNTRIES_COUNT).minus(1).divide(2.0),
            col(Cols.CLAIMED_TIMEZONES_COUNT)
                .minus(1)
                .minus(least(lit(1), col(LONE_TIMEZONES)))
                .divide(3.0)));
  }

  /** The crowded home line in words: the residential address, or the hotspot's address. */
  private static Column homeLine() {
    Column hotspot = coalesce(col(MAX_HOTSPOT_MEMBERS), lit(0L));
    return when(
            hotspot.gt(col(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP)),
            concat(lit("mobile address "), col(HOTSPOT_IP), lit(" on one day (a phone's hotspot)")))
        .otherwise(concat(lit("residential address "), col(CROWD_IP)));
  }

  /** The most members on one home line: a residential address, or a phone's hotspot. */
  static Column homeLineMembers() {
    return greatest(
        col(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP), coalesce(col(MAX_HOTSPOT_MEMBERS), lit(0L)));
  }

  /** An account's own inputs, from its features. */
  private static Column ownValue(String input) {
    Column tz = clamp01(col(Cols.TZ_MISMATCH));
    return switch (input) {
      case ModelInputs.OWN_TZ_MISMATCH -> tz;
      case ModelInputs.OWN_ANONYMISED -> anonShare();
      case ModelInputs.OWN_FOREIGN -> foreignShare();
      case ModelInputs.OWN_HOME -> homeShare();
      case ModelInputs.OWN_FAR_SHIFT_ABROAD -> tz.multiply(foreignShare());
      case ModelInputs.OWN_FAR_SHIFT_HIDDEN -> tz.multiply(anonShare());
      case ModelInputs.OWN_HIDDEN_ABROAD -> anonShare().multiply(foreignShare());
      case ModelInputs.OWN_HANDED_OVER -> handedOver();
      case ModelInputs.OWN_HANDED_OVER_HIDDEN -> handedOver().multiply(anonShare());
      default -> throw new IllegalArgumentException(input + " is not an own input");
    };
  }

  /** A cluster's inputs, from its features; own inputs are the members' averages. */
  private static Column clusterValue(String input) {
    List<ModelInputs.Factor> factors = ModelInputs.PRODUCTS.get(input);
    if (factors != null) {
      return ModelInputs.product(factors, Scoring::clusterValue);
    }
    Column size = col(Cols.SIZE);
    Column burst = coalesce(col(Cols.MAX_CREATED_WITHIN_21_DAYS), lit(0L));
    return switch (input) {
      case ModelInputs.OWN_TZ_MISMATCH, ModelInputs.CLUSTER_TZ_MISMATCH -> clamp01(col(TZ_SHARE));
      case ModelInputs.OWN_ANONYMISED, ModelInputs.CLUSTER_ANONYMISED ->
          clamp01(col(Cols.ANONYMISED_SHARE));
      case ModelInputs.OWN_FOREIGN, ModelInputs.CLUSTER_FOREIGN -> clamp01(col(Cols.FOREIGN_SHARE));
      case ModelInputs.OWN_HOME, ModelInputs.CLUSTER_HOME -> clamp01(col(HOME_SHARE));
      case ModelInputs.OWN_FAR_SHIFT_ABROAD -> clamp01(col(FAR_ABROAD_SHARE));
      case ModelInputs.OWN_FAR_SHIFT_HIDDEN -> clamp01(col(FAR_HIDDEN_SHARE));
      case ModelInputs.OWN_HIDDEN_ABROAD -> clamp01(col(HIDDEN_ABROAD_SHARE));
      case ModelInputs.OWN_HANDED_OVER -> clamp01(col(HANDED_OVER_SHARE));
      case ModelInputs.OWN_HANDED_OVER_HIDDEN -> clamp01(col(HANDED_OVER_HIDDEN_SHARE));
      case ModelInputs.IN_CLUSTER -> lit(1.0);
      case ModelInputs.CLUSTER_SIZE ->
          clamp01(org.apache.spark.sql.functions.log(size.cast("double")).divide(Math.log(100)));
      case ModelInputs.CLUSTER_IDENTITY_SPREAD -> identitySpread();
      case ModelInputs.CLUSTER_SHARED_SHIFT -> clamp01(col(Cols.SHARED_SHIFT_SHARE));
      case ModelInputs.CLUSTER_CREATION_BURST ->
          when(
                  burst.geq(2),
                  clamp01(burst.minus(1).divide(4.0)).multiply(clamp01(safeDiv(burst, size))))
              .otherwise(lit(0.0));
      case ModelInputs.CLUSTER_SHARED_DEVICE ->
          clamp01(col(MAX_DEVICE_MEMBERS).minus(1).divide(3.0));
      case ModelInputs.CLUSTER_SHARED_PAYOUT ->
          clamp01(col(MAX_PAYOUT_MEMBERS).minus(1).divide(3.0));
      case ModelInputs.CLUSTER_RESIDENTIAL_CROWD -> clamp01(homeLineMembers().minus(2).divide(3.0));
      case ModelInputs.CLUSTER_CO_LOGIN -> clamp01(safeDiv(col(Cols.CO_LOGIN_MEMBERS), size));
      case ModelInputs.CLUSTER_AGENCY ->
          clamp01(col(AGENCY_SHARE))
              .multiply(when(col(MAX_PAYOUT_MEMBERS).geq(2), 1.0).otherwise(0.0));
      default -> throw new IllegalArgumentException("unknown input " + input);
    };
  }

  /** The model_inputs struct of cluster rows (clusterFeatures' output). */
  static Column clusterInputs() {
    Column[] fields = new Column[ModelInputs.ALL.size()];
    for (int i = 0; i < fields.length; i++) {
      String name = ModelInputs.ALL.get(i).name();
      fields[i] = clusterValue(name).cast("double").as(name);
    }
    return struct(fields);
  }

  /**
   * The model_inputs struct of account rows: own evidence, plus the cluster's inputs (a struct
   * column {@code clusterInputs}, null for no cluster) scaled by the attachment and gated by the
   * member's own traits ({@link MemberTraits#gate}).
   */
  static Column accountInputs(Column clusterInputs, Column attachment, MemberTraits traits) {
    Column[] fields = new Column[ModelInputs.ALL.size()];
    Column att = coalesce(attachment, lit(0.0));
    for (int i = 0; i < fields.length; i++) {
      ModelInputs.Input in = ModelInputs.ALL.get(i);
      Column v =
          ModelInputs.isOwn(in)
              ? ownValue(in.name())
              : in.name().equals(ModelInputs.IN_CLUSTER)
                  ? when(clusterInputs.isNull(), lit(0.0)).otherwise(att)
                  : coalesce(clusterInputs.getField(in.name()), lit(0.0))
                      .multiply(att)
                      .multiply(traits.gate(in.name()));
      fields[i] = v.cast("double").as(in.name());
    }
    return struct(fields);
  }

  /**
   * A member's own traits (columns of {@link #memberTraits}), and the share of a cluster input it
   * inherits by them: the cluster's burst, shift, shared device and shared payout (and the products
   * built on them) count only for a member that has the trait. A null trait (no cluster) gates
   * nothing: the inputs are 0 there anyway.
   */
  record MemberTraits(Column inBurst, Column onShift, Column sharesDevice, Column sharesPayout) {
    static MemberTraits columns() {
      return new MemberTraits(col(IN_BURST), col(ON_SHIFT), col(SHARES_DEVICE), col(SHARES_PAYOUT));
    }

    Column gate(String input) {
      Column gate = lit(1.0);
      for (var trait :
          List.of(
              Map.entry(ModelInputs.CLUSTER_CREATION_BURST, inBurst),
              Map.entry(ModelInputs.CLUSTER_SHARED_SHIFT, onShift),
              Map.entry(ModelInputs.CLUSTER_SHARED_DEVICE, sharesDevice),
              Map.entry(ModelInputs.CLUSTER_SHARED_PAYOUT, sharesPayout))) {
        if (ModelInputs.dependsOn(input, trait.getKey())) {
          gate = gate.multiply(coalesce(trait.getValue(), lit(1.0)));
        }
      }
      return gate;
    }
  }

  /** The logit of a model_inputs struct. */
  static Column logit(RiskModel model, Column inputs) {
    Column sum = lit(model.intercept());
    for (ModelInputs.Input in : ModelInputs.ALL) {
      double w = model.coefficient(in.name());
      if (w != 0) {
        sum = sum.plus(inputs.getField(in.name()).multiply(w));
      }
    }
    return sum;
  }

  /**
   * Reasons: per reason code the summed contribution of its inputs; codes adding at least {@link
   * #REASON_MIN_CONTRIBUTION} either way, strongest first.
   *
   * @param ownOnly only the own_* inputs (an account's own reasons; its cluster's come separately)
   */
  static Column reasons(RiskModel model, Column inputs, boolean ownOnly, Column prefix) {
    java.util.Map<String, Column> byCode = new java.util.LinkedHashMap<>();
    for (ModelInputs.Input in : ModelInputs.ALL) {
      double w = model.coefficient(in.name());
      if (w == 0 || (ownOnly && !ModelInputs.isOwn(in))) {
        continue;
      }
      Column c = inputs.getField(in.name()).multiply(w);
      byCode.merge(in.code(), c, Column::plus);
    }
    List<Column> items = new ArrayList<>();
    for (java.util.Map.Entry<String, Column> e : byCode.entrySet()) {
      Column contribution = e.getValue();
      Column text = ownOnly ? accountText(e.getKey()) : clusterText(e.getKey());
      items.add(
          when(
              abs(contribution).geq(REASON_MIN_CONTRIBUTION),
              struct(
                  lit(e.getKey()).as(Cols.CODE),
                  format_string("%s: %s%s", lit(e.getKey()), prefix, text).as(Cols.TEXT),
                  round(contribution, 2).as(Cols.WEIGHT))));
    }
    Column raw = items.isEmpty() ? array().cast(REASONS_TYPE) : array(items.toArray(new Column[0]));
    return org.apache.spark.sql.functions.array_sort(
        org.apache.spark.sql.functions.filter(raw, x -> x.isNotNull()),
        (a, b) ->
            when(abs(a.getField(Cols.WEIGHT)).gt(abs(b.getField(Cols.WEIGHT))), -1)
                .when(abs(a.getField(Cols.WEIGHT)).lt(abs(b.getField(Cols.WEIGHT))), 1)
                .otherwise(0));
  }

  private static final org.apache.spark.sql.types.DataType REASONS_TYPE =
      DataTypes.createArrayType(com.cohortwatch.schema.Schemas.REASON);

  private static Column abs(Column c) {
    return org.apache.spark.sql.functions.abs(c);
  }

  public static Column sigmoid(Column logit) {
    return lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));
  }

  public static Column tier(Column score, double medium, double high, double critical) {
    return when(score.geq(critical), RiskTier.CRITICAL.value())
        .when(score.geq(high), RiskTier.HIGH.value())
        .when(score.geq(medium), RiskTier.MEDIUM.value())
        .otherwise(RiskTier.LOW.value());
  }

  /**
   * Cluster inputs, logit (also kept as {@link #MODEL_LOGIT}), score and reasons (tiers are applied
   * by the caller).
   */
  public static Dataset<Row> scoreClusters(
      Dataset<Row> clusterFeatures, Column clusterLabel, RiskModel model) {
    Dataset<Row> withInputs = clusterFeatures.withColumn(MODEL_INPUTS, clusterInputs());
    return withInputs
        .withColumn(LOGIT, logit(model, col(MODEL_INPUTS)))
        .withColumn(MODEL_LOGIT, col(LOGIT))
        .withColumn(Cols.RISK_SCORE, sigmoid(col(LOGIT)))
        .withColumn(
            Cols.REASONS,
            reasons(model, col(MODEL_INPUTS), false, format_string("cluster %s: ", clusterLabel)));
  }

  /**
   * Account scores. Every account is scored by the same model on its own inputs; an account in a
   * cluster adds its cluster's inputs scaled by its attachment, and inherits, in the same
   * proportion, whatever review feedback moved the cluster's logit by.
   *
   * @param accountFeatures every active account's features
   * @param clusterOf account_id, cluster_id, {@link #ATTACHMENT} and the {@link #memberTraits} of
   *     clustered accounts
   * @param scoredClusters {@link #scoreClusters}' output (after feedback): cluster_id, {@link
   *     #MODEL_INPUTS}, {@link #LOGIT}, {@link #MODEL_LOGIT}, reasons
   */
  public static Dataset<Row> scoreAccounts(
      Dataset<Row> accountFeatures,
      Dataset<Row> clusterOf,
      Dataset<Row> scoredClusters,
      RiskModel model) {
    Dataset<Row> clusters =
        scoredClusters.select(
            col(Cols.CLUSTER_ID).as("_cid"),
            col(MODEL_INPUTS).as("_cluster_inputs"),
            col(LOGIT).minus(col(MODEL_LOGIT)).as("_feedback"),
            col(Cols.REASONS).as("_cluster_reasons"));
    Dataset<Row> membership =
        clusterOf
            .select(
                col(Cols.ACCOUNT_ID).as("_member"),
                col(Cols.CLUSTER_ID),
                col(ATTACHMENT),
                col(IN_BURST),
                col(ON_SHIFT),
                col(SHARES_DEVICE),
                col(SHARES_PAYOUT))
            .join(clusters, col(Cols.CLUSTER_ID).equalTo(col("_cid")))
            .drop("_cid");
    Dataset<Row> joined =
        accountFeatures
            .join(
                membership,
                accountFeatures.col(Cols.ACCOUNT_ID).equalTo(membership.col("_member")),
                "left")
            .drop("_member")
            .withColumn(
                MODEL_INPUTS,
                accountInputs(col("_cluster_inputs"), col(ATTACHMENT), MemberTraits.columns()));
    Column inCluster = col(Cols.CLUSTER_ID).isNotNull();
    Column feedback = when(inCluster, col("_feedback").multiply(col(ATTACHMENT))).otherwise(0.0);
    // An account that changed hands is scored on its current holder's logins; its reasons say so.
    Column since =
        when(
                col(Features.HANDOVER_DATE).isNotNull(),
                format_string(
                    "since it changed hands on %s (new devices and networks only): ",
                    col(Features.HANDOVER_DATE).cast("string")))
            .otherwise(lit(""));
    Column own = reasons(model, col(MODEL_INPUTS), true, since);
    return joined
        .withColumn(MODEL_LOGIT, logit(model, col(MODEL_INPUTS)))
        .withColumn(LOGIT, col(MODEL_LOGIT).plus(feedback))
        .withColumn(Cols.RISK_SCORE, sigmoid(col(LOGIT)))
        .withColumn(
            Cols.REASONS, when(inCluster, concat(own, col("_cluster_reasons"))).otherwise(own))
        .drop(
            "_cluster_inputs",
            "_feedback",
            "_cluster_reasons",
            IN_BURST,
            ON_SHIFT,
            SHARES_DEVICE,
            SHARES_PAYOUT);
  }
}
