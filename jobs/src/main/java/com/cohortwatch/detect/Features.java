package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.bit_count;
import static org.apache.spark.sql.functions.bit_or;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import java.sql.Date;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
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

  public static final String ANON_LOGINS = "anon_logins";
  public static final String NONANON_KNOWN_LOGINS = "nonanon_known_logins";
  public static final String FOREIGN_LOGINS = "foreign_logins";
  public static final String HOME_LOGINS = "home_logins";
  public static final String BEST_OFFSET = "best_offset";
  public static final String BEST_FIT = "best_fit";
  public static final String CLAIMED_OFFSET = "claimed_offset";
  public static final String CLAIMED_FIT = "claimed_fit";
  public static final String DEVICES = "devices";
  public static final String HANDOVER_DATE = "handover_date";

  /** A {@link #perAddress} row's logins. */
  static final String ADDRESS_LOGINS = "address_logins";

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

  /** Days a bit set holds in one long. */
  private static final int DAYS_PER_WORD = 64;

  private static int dayWords(LocalDate windowStart, LocalDate runDate) {
    long days = ChronoUnit.DAYS.between(windowStart, runDate) + 1;
    if (days < 1) {
      throw new IllegalArgumentException("window " + windowStart + " to " + runDate + " is empty");
    }
    return (int) ((days + DAYS_PER_WORD - 1) / DAYS_PER_WORD);
  }

  /** The columns of a {@link #perAddress} row that hold its day bits, one word each. */
  private static final String DAY_WORD = "days_";

  private static String dayWord(int w) {
    return DAY_WORD + w;
  }

  /**
   * The days of a group's rows as a bit set over the window (bit d of word w: the window's day 64w
   * + d), so that the distinct days of an account follow from its per-address rows exactly.
   */
  static List<Column> dayBits(Column eventDate, LocalDate windowStart, LocalDate runDate) {
    Column day = datediff(eventDate, lit(Date.valueOf(windowStart)));
    List<Column> words = new ArrayList<>();
    for (int w = 0; w < dayWords(windowStart, runDate); w++) {
      Column inWord = day.geq(w * DAYS_PER_WORD).and(day.lt((w + 1) * DAYS_PER_WORD));
      Column bit = call_function("shiftleft", lit(1L), day.minus(w * DAYS_PER_WORD));
      words.add(bit_or(when(inWord, bit).otherwise(lit(0L))).as(dayWord(w)));
    }
    return words;
  }

  /** The number of distinct days in the {@link #dayBits} of a group's {@link #perAddress} rows. */
  static Column distinctDays(Dataset<Row> perAddress) {
    Column days = lit(0L);
    for (String column : perAddress.columns()) {
      if (column.startsWith(DAY_WORD)) {
        days = days.plus(bit_count(bit_or(col(column))));
      }
    }
    return days.cast("long");
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
    Column isDevice = col(Cols.ATTR_TYPE).equalTo(AttributeKind.DEVICE.value());
    // Spans starting together (a new device's first login is also its new address's) are one step.
    Dataset<Row> steps =
        memberships
            .filter(isDevice.or(col(Cols.ATTR_TYPE).equalTo(AttributeKind.SUBNET.value())))
            .groupBy(col(Cols.ACCOUNT_ID), col(Cols.FIRST_SEEN))
            .agg(
                max(Cols.LAST_SEEN).as("_last"),
                max(when(isDevice, col(Cols.ACTIVE_DAYS))).as("_device_days"));
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
   * The window's logins of each account's current holder, summed per account and address: one pass
   * over the daily rows, which both halves of {@link #accountFeatures} then read. Summing the daily
   * rows twice scanned the window's IP rows twice and shuffled them twice (at 1M accounts, 69M rows
   * read and 23.5M shuffled each time); the caller materialises this instead.
   *
   * @param ipDaily attribute_daily rows of type ip; only those of the window count
   * @param handovers {@link #handovers}: an account that changed hands is described by its logins
   *     from the handover date on, i.e. by its current holder
   * @param windowStart the window's first day; it ends on {@code runDate}
   * @return account_id, attr_value, {@link #HANDOVER_DATE}, the address's logins, its summed hour
   *     profile and its days as a bit set ({@link #dayBits})
   */
  public static Dataset<Row> perAddress(
      Dataset<Row> ipDaily, Dataset<Row> handovers, LocalDate windowStart, LocalDate runDate) {
    Dataset<Row> handedOver =
        handovers.select(col(Cols.ACCOUNT_ID).as("_hacc"), col(HANDOVER_DATE));
    Dataset<Row> current =
        ipDaily
            .filter(col(Cols.EVENT_DATE).between(Date.valueOf(windowStart), Date.valueOf(runDate)))
            .join(handedOver, col(Cols.ACCOUNT_ID).equalTo(col("_hacc")), "left")
            .filter(col(HANDOVER_DATE).isNull().or(col(Cols.EVENT_DATE).geq(col(HANDOVER_DATE))));
    List<Column> sums = new ArrayList<>();
    sums.add(sum(col(Cols.LOGINS)).cast("long").as(ADDRESS_LOGINS));
    sums.add(summedHours(Cols.HOURS).as(Cols.HOURS));
    sums.addAll(dayBits(col(Cols.EVENT_DATE), windowStart, runDate));
    return current
        .groupBy(col(Cols.ACCOUNT_ID), col(Cols.ATTR_VALUE))
        .agg(max(col(HANDOVER_DATE)).as(HANDOVER_DATE), sums.toArray(new Column[0]));
  }

  /**
   * @param perAddress {@link #perAddress} rows
   * @param ipInfo ip, usage_type, ip_country
   * @param accounts bronze accounts
   * @param memberships {@link Links#memberships} rows (for device counts)
   * @param runDate the day whose UTC offsets the working-hours fit uses
   */
  public static Dataset<Row> accountFeatures(
      Dataset<Row> perAddress,
      Dataset<Row> ipInfo,
      Dataset<Row> accounts,
      Dataset<Row> memberships,
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
    // The account's timing and its address kinds are both sums of its per-address rows. The hour
    // profiles (24 numbers a row) are never shuffled by address: the address kinds join only each
    // address's login count to the intel.
    Column addressLogins = col(ADDRESS_LOGINS);
    Dataset<Row> timing =
        perAddress
            .groupBy(col(Cols.ACCOUNT_ID))
            .agg(
                max(col(HANDOVER_DATE)).as(HANDOVER_DATE),
                sum(addressLogins).cast("long").as(Cols.LOGINS),
                distinctDays(perAddress).as(Cols.ACTIVE_DAYS),
                summedHours(Cols.HOURS).as(Cols.HOURS));
    Dataset<Row> byKind =
        perAddress
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
            .filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.DEVICE.value()))
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
        .withColumn(Cols.TZ_MISMATCH, tzMismatch(col(Cols.LOGINS)));
  }
}
