package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.values.IpNormalizer;
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

  private static final String HOUR = "_hour";

  /**
   * Per login: the attributes it exposes (IP, its subnet, its device), and the login's UTC hour.
   */
  static Dataset<Row> explodeAttributes(Dataset<Row> logins, int ipv4Prefix, int ipv6Prefix) {
    Column attributes =
        array(
            struct(
                lit(AttributeKind.IP.value()).as(Cols.ATTR_TYPE), col(Cols.IP).as(Cols.ATTR_VALUE)),
            struct(
                lit(AttributeKind.SUBNET.value()).as(Cols.ATTR_TYPE),
                subnet(col(Cols.IP), ipv4Prefix, ipv6Prefix).as(Cols.ATTR_VALUE)),
            struct(
                lit(AttributeKind.DEVICE.value()).as(Cols.ATTR_TYPE),
                col(Cols.DEVICE_ID).as(Cols.ATTR_VALUE)));
    return logins
        .select(
            col(Cols.EVENT_DATE),
            col(Cols.ACCOUNT_ID),
            col(Cols.EVENT_TIME),
            hour(col(Cols.EVENT_TIME)).as(HOUR),
            explode(attributes).as("a"))
        .select(
            col(Cols.EVENT_DATE),
            col(Cols.ACCOUNT_ID),
            col(Cols.EVENT_TIME),
            col(HOUR),
            col("a." + Cols.ATTR_TYPE).as(Cols.ATTR_TYPE),
            col("a." + Cols.ATTR_VALUE).as(Cols.ATTR_VALUE))
        .filter(col(Cols.ATTR_VALUE).isNotNull());
  }

  /**
   * The subnet of a canonical address, as {@link IpNormalizer#subnet} writes it. IPv4 (nearly every
   * login) is masked with built-in expressions rather than a library parse per login; IPv6 goes
   * through the library. (An event-log profile later showed the aggregate and the write, not the
   * subnet, dominate the rollups.)
   */
  static Column subnet(Column ip, int ipv4Prefix, int ipv6Prefix) {
    UserDefinedFunction library =
        udf(
            (UDF1<String, String>) a -> IpNormalizer.subnet(a, ipv4Prefix, ipv6Prefix),
            DataTypes.StringType);
    long mask =
        ipv4Prefix <= 0 ? 0L : (0xFFFFFFFFL << (32 - Math.min(32, ipv4Prefix))) & 0xFFFFFFFFL;
    Column octets = split(ip, "\\.");
    Column number = lit(0L);
    for (int i = 0; i < 4; i++) {
      number = number.multiply(256L).plus(octets.getItem(i).cast("long"));
    }
    Column masked = number.bitwiseAND(lit(mask));
    Column v4 =
        concat_ws(
            ".",
            shiftright(masked, 24).bitwiseAND(255),
            shiftright(masked, 16).bitwiseAND(255),
            shiftright(masked, 8).bitwiseAND(255),
            masked.bitwiseAND(255));
    return when(
            ip.rlike("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"),
            concat(v4, lit("/" + Math.max(0, Math.min(32, ipv4Prefix)))))
        .otherwise(library.apply(ip));
  }

  /** 24 sums of {@code perRowCount} by the precomputed UTC hour: the hour-of-day profile. */
  static Column hourProfile(Column hourOfDay, Column perRowCount) {
    List<Column> hours = new ArrayList<>(24);
    for (int h = 0; h < 24; h++) {
      hours.add(sum(when(hourOfDay.equalTo(h), perRowCount).otherwise(0)).cast("int"));
    }
    return array(hours.toArray(new Column[0]));
  }

  /**
   * account x attribute x day: login count, first and last seen, and on ip rows the UTC hour-of-day
   * profile. Subnet and device rows store no profile: nothing reads it (an account's hours are the
   * sum over its ip rows), and it was two thirds of the table's arrays. One aggregate over one
   * scan: splitting ip rows into their own aggregate read the logins twice and measured slower.
   */
  public static Dataset<Row> attributeDaily(Dataset<Row> logins, int ipv4Prefix, int ipv6Prefix) {
    return explodeAttributes(logins, ipv4Prefix, ipv6Prefix)
        .groupBy(
            col(Cols.EVENT_DATE), col(Cols.ACCOUNT_ID), col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE))
        .agg(
            count(lit(1)).cast("int").as(Cols.LOGINS),
            min(Cols.EVENT_TIME).as(Cols.FIRST_SEEN),
            max(Cols.EVENT_TIME).as(Cols.LAST_SEEN),
            hourProfile(col(HOUR), lit(1)).as(Cols.HOURS))
        .withColumn(
            Cols.HOURS,
            when(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()), col(Cols.HOURS)));
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
