package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.ingest.IpNormalizer;
import com.cohortwatch.schema.Cols;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Daily rollups computed at ingest, so that nightly scoring over a 30-day window reads one row per
 * account x attribute x day instead of every login.
 */
public final class Rollups {
  private Rollups() {}

  public static final String IP = "ip";
  public static final String SUBNET = "subnet";
  public static final String DEVICE = "device";
  public static final String PAYOUT = "payout";
  public static final String CO_LOGIN = "co_login";

  /** Per login: the attributes it exposes (IP, its subnet, its device). */
  static Dataset<Row> explodeAttributes(Dataset<Row> logins, int ipv4Prefix, int ipv6Prefix) {
    UserDefinedFunction subnet =
        udf(
            (UDF1<String, String>) ip -> IpNormalizer.subnet(ip, ipv4Prefix, ipv6Prefix),
            DataTypes.StringType);
    Column attributes =
        array(
            struct(lit(IP).as(Cols.ATTR_TYPE), col(Cols.IP).as(Cols.ATTR_VALUE)),
            struct(lit(SUBNET).as(Cols.ATTR_TYPE), subnet.apply(col(Cols.IP)).as(Cols.ATTR_VALUE)),
            struct(lit(DEVICE).as(Cols.ATTR_TYPE), col(Cols.DEVICE_ID).as(Cols.ATTR_VALUE)));
    return logins
        .select(
            col(Cols.EVENT_DATE),
            col(Cols.ACCOUNT_ID),
            col(Cols.EVENT_TIME),
            explode(attributes).as("a"))
        .select(
            col(Cols.EVENT_DATE),
            col(Cols.ACCOUNT_ID),
            col(Cols.EVENT_TIME),
            col("a." + Cols.ATTR_TYPE).as(Cols.ATTR_TYPE),
            col("a." + Cols.ATTR_VALUE).as(Cols.ATTR_VALUE))
        .filter(col(Cols.ATTR_VALUE).isNotNull());
  }

  /** 24 sums of {@code perRowCount} by the UTC hour of {@code time}: the hour-of-day profile. */
  static Column hourProfile(Column time, Column perRowCount) {
    List<Column> hours = new ArrayList<>(24);
    for (int h = 0; h < 24; h++) {
      hours.add(sum(when(hour(time).equalTo(h), perRowCount).otherwise(0)).cast("int"));
    }
    return array(hours.toArray(new Column[0]));
  }

  /** account x attribute x day: login count, first and last seen, UTC hour-of-day profile. */
  public static Dataset<Row> attributeDaily(Dataset<Row> logins, int ipv4Prefix, int ipv6Prefix) {
    return explodeAttributes(logins, ipv4Prefix, ipv6Prefix)
        .groupBy(
            col(Cols.EVENT_DATE), col(Cols.ACCOUNT_ID), col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE))
        .agg(
            count(lit(1)).cast("int").as(Cols.LOGINS),
            min(Cols.EVENT_TIME).as(Cols.FIRST_SEEN),
            max(Cols.EVENT_TIME).as(Cols.LAST_SEEN),
            hourProfile(col(Cols.EVENT_TIME), lit(1)).as(Cols.HOURS));
  }

  /**
   * Which accounts used an IP in each time slot of {@code slotMinutes}: the input of the co-login
   * link. One row per (day, ip, slot, account).
   */
  public static Dataset<Row> ipSlots(Dataset<Row> logins, int slotMinutes) {
    return logins
        .select(
            col(Cols.EVENT_DATE),
            col(Cols.IP),
            floor(unix_seconds(col(Cols.EVENT_TIME)).divide(slotMinutes * 60L)).as(Cols.SLOT),
            col(Cols.ACCOUNT_ID))
        .distinct();
  }
}
