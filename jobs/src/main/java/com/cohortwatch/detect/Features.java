package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/** Per-account features over the window: where, when and through what the account logs in. */
public final class Features {
  private Features() {}

  public static final String ACTIVE_DAYS = "active_days";
  public static final String ANON_LOGINS = "anon_logins";
  public static final String NONANON_KNOWN_LOGINS = "nonanon_known_logins";
  public static final String FOREIGN_LOGINS = "foreign_logins";
  public static final String HOME_LOGINS = "home_logins";
  public static final String BEST_OFFSET = "best_offset";
  public static final String BEST_FIT = "best_fit";
  public static final String CLAIMED_OFFSET = "claimed_offset";
  public static final String CLAIMED_FIT = "claimed_fit";
  public static final String TZ_MISMATCH = "tz_mismatch";
  public static final String DEVICES = "devices";
  public static final String HANDOVER_DATE = "handover_date";

  /** Days seen on the old devices and on the new ones before a cut counts as a handover. */
  static final int MIN_DAYS_BEFORE_HANDOVER = 2;

  static final int MIN_DAYS_AFTER_HANDOVER = 3;

  /** Logins at least this many before the hour profile is trusted. */
  static final int MIN_LOGINS_FOR_HOURS = 10;

  static Column summedHours(String column) {
    List<Column> hours = new ArrayList<>(24);
    for (int h = 0; h < 24; h++) {
      hours.add(sum(col(column).getItem(h)).cast("long"));
    }
    return array(hours.toArray(new Column[0]));
  }

  static UserDefinedFunction workingHoursFit(LocalDate onDate) {
    StructType type =
        new StructType()
            .add(BEST_OFFSET, DataTypes.IntegerType)
            .add(BEST_FIT, DataTypes.DoubleType)
            .add(CLAIMED_OFFSET, DataTypes.IntegerType)
            .add(CLAIMED_FIT, DataTypes.DoubleType);
    return udf(
        (UDF2<Seq<Object>, String, Row>)
            (hours, zone) -> {
              WorkingHours.Fit fit = WorkingHours.fit(WorkingHours.toArray(hours), zone, onDate);
              return RowFactory.create(
                  fit.bestOffset(), fit.bestFit(), fit.claimedOffset(), fit.claimedFit());
            },
        type);
  }

  /**
   * Strength of the timezone mismatch in [0, 1]: how much better another offset, at least four
   * hours away from the claimed one, explains the login hours than the claimed timezone does.
   */
  static Column tzMismatch(Column logins) {
    Column distance =
        udf(
                (UDF2<Integer, Integer, Integer>)
                    (a, b) -> a == null || b == null ? 0 : WorkingHours.distance(a, b),
                DataTypes.IntegerType)
            .apply(col(BEST_OFFSET), col(CLAIMED_OFFSET));
    Column gap = col(BEST_FIT).minus(col(CLAIMED_FIT));
    Column strength = least(lit(1.0), greatest(lit(0.0), gap.minus(0.25).divide(0.4)));
    return when(
            logins.geq(MIN_LOGINS_FOR_HOURS).and(col(CLAIMED_FIT).isNotNull()).and(distance.geq(4)),
            strength)
        .otherwise(lit(0.0));
  }

  /**
   * The day each account changed hands, if it did: the latest moment after which it logs in only
   * from devices and subnets it never used before, and never again from those it used until then. A
   * bought or rented account keeps its first owner's honest history (home address in the claimed
   * country, local hours), which would otherwise dilute everything its new holder does; an honest
   * user who replaces a phone keeps the home network, and a traveller keeps the laptop. The cut is
   * searched over the memberships' first and last sightings, so it costs no pass over the logins: a
   * device's first sighting T is a cut when every device and subnet first seen before T was last
   * seen before T. Both sides need a few days on their devices.
   *
   * @param memberships {@link Links#memberships} rows
   * @return account_id, {@link #HANDOVER_DATE} (the UTC date of the cut) for accounts with a cut
   */
  public static Dataset<Row> handovers(Dataset<Row> memberships) {
    Column isDevice = col(Cols.ATTR_TYPE).equalTo(Rollups.DEVICE);
    // Spans starting together (a new device's first login is also its new address's) are one step.
    Dataset<Row> steps =
        memberships
            .filter(isDevice.or(col(Cols.ATTR_TYPE).equalTo(Rollups.SUBNET)))
            .groupBy(col(Cols.ACCOUNT_ID), col(Cols.FIRST_SEEN))
            .agg(
                max(Cols.LAST_SEEN).as("_last"),
                max(when(isDevice, col(Links.ACTIVE_DAYS))).as("_device_days"));
    WindowSpec byTime = Window.partitionBy(col(Cols.ACCOUNT_ID)).orderBy(col(Cols.FIRST_SEEN));
    Column before = max(col("_last")).over(byTime.rowsBetween(Window.unboundedPreceding(), -1));
    Column daysBefore =
        max(col("_device_days")).over(byTime.rowsBetween(Window.unboundedPreceding(), -1));
    Column daysAfter =
        max(col("_device_days")).over(byTime.rowsBetween(0, Window.unboundedFollowing()));
    return steps
        .select(
            col(Cols.ACCOUNT_ID),
            col(Cols.FIRST_SEEN),
            col("_device_days"),
            before.as("_before"),
            daysBefore.as("_days_before"),
            daysAfter.as("_days_after"))
        .filter(
            col("_device_days")
                .isNotNull()
                .and(col("_before").lt(col(Cols.FIRST_SEEN)))
                .and(col("_days_before").geq(MIN_DAYS_BEFORE_HANDOVER))
                .and(col("_days_after").geq(MIN_DAYS_AFTER_HANDOVER)))
        .groupBy(col(Cols.ACCOUNT_ID))
        .agg(to_date(max(col(Cols.FIRST_SEEN))).as(HANDOVER_DATE));
  }

  /**
   * @param ipDaily attribute_daily rows of type ip in the window
   * @param ipInfo ip, usage_type, ip_country
   * @param accounts bronze accounts
   * @param memberships {@link Links#memberships} rows (for device counts)
   * @param handovers {@link #handovers}: an account that changed hands is described by its logins
   *     from the handover date on, i.e. by its current holder
   */
  public static Dataset<Row> accountFeatures(
      Dataset<Row> ipDaily,
      Dataset<Row> ipInfo,
      Dataset<Row> accounts,
      Dataset<Row> memberships,
      Dataset<Row> handovers,
      LocalDate runDate) {
    Dataset<Row> info =
        ipInfo.select(col(Cols.IP).as("_ip"), col(Cols.USAGE_TYPE), col(Cols.IP_COUNTRY));
    Dataset<Row> claims =
        accounts.select(
            col(Cols.ACCOUNT_ID).as("_acc"),
            col(Cols.CLAIMED_COUNTRY),
            col(Cols.CLAIMED_TIMEZONE),
            col(Cols.CREATED_AT),
            col(Cols.PROFILE_TYPE));
    Column anon = Enrichment.anonymising(col(Cols.USAGE_TYPE));
    Column known = col(Cols.IP_COUNTRY).isNotNull().and(col(Cols.CLAIMED_COUNTRY).isNotNull());
    Column logins = col(Cols.LOGINS);
    Dataset<Row> handedOver =
        handovers.select(col(Cols.ACCOUNT_ID).as("_hacc"), col(HANDOVER_DATE));
    // Only the logins of the account's current holder count.
    Dataset<Row> current =
        ipDaily
            .join(handedOver, col(Cols.ACCOUNT_ID).equalTo(col("_hacc")), "left")
            .filter(col(HANDOVER_DATE).isNull().or(col(Cols.EVENT_DATE).geq(col(HANDOVER_DATE))));
    // The hour profiles (24 numbers a row) are summed per account without ever being shuffled by
    // address: the address kinds below need only each address's login count, so they are joined to
    // one small row per account and address instead of to every day's row (at 1M accounts, 90M rows
    // with their profiles went through a sort-merge join on the address and spilled gigabytes).
    Dataset<Row> timing =
        current
            .groupBy(col(Cols.ACCOUNT_ID))
            .agg(
                max(col(HANDOVER_DATE)).as(HANDOVER_DATE),
                sum(logins).cast("long").as(Cols.LOGINS),
                countDistinct(Cols.EVENT_DATE).as(ACTIVE_DAYS),
                summedHours(Cols.HOURS).as(Cols.HOURS));
    Column addressLogins = col("_address_logins");
    Dataset<Row> byKind =
        current
            .groupBy(col(Cols.ACCOUNT_ID), col(Cols.ATTR_VALUE))
            .agg(sum(logins).cast("long").as("_address_logins"))
            .join(info, col(Cols.ATTR_VALUE).equalTo(col("_ip")), "left")
            .join(claims, col(Cols.ACCOUNT_ID).equalTo(col("_acc")), "left")
            .groupBy(col(Cols.ACCOUNT_ID).as("_kacc"))
            .agg(
                sum(when(anon, addressLogins).otherwise(0)).cast("long").as(ANON_LOGINS),
                sum(when(known.and(anon.unary_$bang()), addressLogins).otherwise(0))
                    .cast("long")
                    .as(NONANON_KNOWN_LOGINS),
                sum(when(
                            Enrichment.abroad(
                                col(Cols.USAGE_TYPE),
                                col(Cols.IP_COUNTRY),
                                col(Cols.CLAIMED_COUNTRY)),
                            addressLogins)
                        .otherwise(0))
                    .cast("long")
                    .as(FOREIGN_LOGINS),
                sum(when(
                            Enrichment.atHome(
                                col(Cols.USAGE_TYPE),
                                col(Cols.IP_COUNTRY),
                                col(Cols.CLAIMED_COUNTRY)),
                            addressLogins)
                        .otherwise(0))
                    .cast("long")
                    .as(HOME_LOGINS));
    Dataset<Row> perAccount =
        timing.join(byKind, col(Cols.ACCOUNT_ID).equalTo(col("_kacc"))).drop("_kacc");
    Dataset<Row> devices =
        memberships
            .filter(col(Cols.ATTR_TYPE).equalTo(Rollups.DEVICE))
            .groupBy(col(Cols.ACCOUNT_ID).as("_dacc"))
            .agg(countDistinct(Cols.ATTR_VALUE).as(DEVICES));
    Dataset<Row> withClaims =
        perAccount
            .join(claims, col(Cols.ACCOUNT_ID).equalTo(col("_acc")), "left")
            .drop("_acc")
            .join(devices, col(Cols.ACCOUNT_ID).equalTo(col("_dacc")), "left")
            .drop("_dacc")
            .withColumn(DEVICES, coalesce(col(DEVICES), lit(0L)))
            .withColumn(
                "_fit",
                workingHoursFit(runDate).apply(col(Cols.HOURS), col(Cols.CLAIMED_TIMEZONE)));
    return withClaims
        .withColumn(BEST_OFFSET, col("_fit." + BEST_OFFSET))
        .withColumn(BEST_FIT, col("_fit." + BEST_FIT))
        .withColumn(CLAIMED_OFFSET, col("_fit." + CLAIMED_OFFSET))
        .withColumn(CLAIMED_FIT, col("_fit." + CLAIMED_FIT))
        .drop("_fit")
        .withColumn(TZ_MISMATCH, tzMismatch(col(Cols.LOGINS)));
  }
}
